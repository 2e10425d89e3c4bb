"""A compact BM25 index: postings in NumPy CSR form (sorted by term), built with array operations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class QueryScores:
    """Per-document BM25 scores for one query, and which documents score at all."""

    bm25: FloatArray
    docs: npt.NDArray[np.intp]  # ascending: the documents in some query term's postings, i.e. those scoring above 0


class Bm25Index:
    """Okapi BM25 over a fixed list of documents (lists of terms); built once, never mutated.

    Memory is two arrays of one entry per distinct (term, document) pair - the document ids and the
    precomputed BM25 weights - plus the vocabulary. A query touches only the postings of its own terms.
    """

    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        size = len(documents)
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=size)
        total = int(lengths.sum())
        # Term ids in order of first appearance; the mapping runs in C (dict.fromkeys, map) for speed.
        vocabulary: dict[str, int] = {t: i for i, t in enumerate(dict.fromkeys(chain.from_iterable(documents)))}
        term_ids = np.fromiter(map(vocabulary.__getitem__, chain.from_iterable(documents)), dtype=np.int64, count=total)
        doc_ids = np.repeat(np.arange(size, dtype=np.int64), lengths)
        # One entry per distinct (term, document), sorted by term then document, with its frequency.
        pairs, tf = np.unique(term_ids * max(size, 1) + doc_ids, return_counts=True)
        terms_arr = pairs // max(size, 1)
        docs_arr = (pairs % max(size, 1)).astype(np.int32)
        df = np.bincount(terms_arr, minlength=len(vocabulary)).astype(np.float32)
        n = max(size, 1)
        self.vocabulary = vocabulary
        self.size = size
        self.idf: FloatArray = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(np.log1p((n + 0.5) / 0.5))
        avg_len = float(lengths.mean()) if size else 1.0
        norm = k1 * (1.0 - b + b * lengths[docs_arr] / max(avg_len, 1e-9))
        tf32 = tf.astype(np.float32)
        self.weights: FloatArray = (self.idf[terms_arr] * tf32 * (k1 + 1.0) / (tf32 + norm)).astype(np.float32)
        self.postings: IntArray = docs_arr
        self.indptr: npt.NDArray[np.int64] = np.concatenate(([0], np.cumsum(df.astype(np.int64))))

    def idf_of(self, term: str) -> float:
        """IDF of a term; unseen terms count as the rarest possible, since they make a text less like any claim."""
        term_id = self.vocabulary.get(term)
        return float(self.idf[term_id]) if term_id is not None else self.max_idf

    def score(self, terms: Iterable[str], *, k3: float = 1.0) -> QueryScores | None:
        """BM25 of every document against a bag of query terms; None when no term is in the index.

        A term the query repeats counts more, with saturation: n times weighs n(k3 + 1) / (n + k3).
        """
        counts: dict[int, int] = {}
        for term in terms:
            term_id = self.vocabulary.get(term)
            if term_id is not None:
                counts[term_id] = counts.get(term_id, 0) + 1
        if not counts:
            return None
        # The postings of every query term, in term order, gathered with one index array instead of a slice per term.
        ids = sorted(counts)
        id_array = np.array(ids, dtype=np.intp)
        starts = self.indptr[id_array]
        lengths = self.indptr[id_array + 1] - starts
        offsets = np.cumsum(lengths) - lengths  # where each term's postings begin in the gathered arrays
        spans = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offsets, lengths)
        postings = self.postings[spans]
        weights = self.weights[spans]
        repeated = [i for i, term_id in enumerate(ids) if counts[term_id] > 1]
        if repeated:
            factors = np.ones(len(ids), dtype=np.float32)
            for i in repeated:
                n = counts[ids[i]]
                factors[i] = np.float32(n * (k3 + 1.0) / (n + k3))
            weights = weights * np.repeat(factors, lengths)
        scores = np.bincount(postings, weights=weights, minlength=self.size).astype(np.float32)
        # The union of the postings: every weight is above 0 (an IDF is), so these are the documents scoring above
        # 0. Read off a comparison, whose boolean result is scanned several times faster than the float scores
        # (np.flatnonzero(scores) was the costliest step of a query at 10,000 claims) and is quicker to make than
        # a mask of the postings.
        return QueryScores(scores, np.flatnonzero(scores > 0))
