"""A compact BM25 index (CSR postings in NumPy) that also yields IDF-weighted term overlap per document."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class QueryScores:
    """Per-document BM25 scores and the IDF mass each document shares with the query."""

    bm25: FloatArray
    shared_idf: FloatArray
    query_idf: float


class Bm25Index:
    """BM25 over short documents (claim phrasings); built once, never mutated."""

    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        doc_ids: list[int] = []
        freqs: list[int] = []
        lengths = np.zeros(len(documents), dtype=np.float32)
        for doc, terms in enumerate(documents):
            lengths[doc] = len(terms)
            counts: dict[str, int] = {}
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
            for term, count in counts.items():
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                doc_ids.append(doc)
                freqs.append(count)
        self.vocabulary = vocabulary
        self.size = len(documents)
        terms_arr = np.asarray(term_ids, dtype=np.int32)
        docs_arr = np.asarray(doc_ids, dtype=np.int32)
        tf = np.asarray(freqs, dtype=np.float32)
        order = np.argsort(terms_arr, kind="stable")
        terms_arr, docs_arr, tf = terms_arr[order], docs_arr[order], tf[order]
        df = np.bincount(terms_arr, minlength=len(vocabulary)).astype(np.float32)
        n = max(self.size, 1)
        self.idf: FloatArray = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(np.log1p((n + 0.5) / 0.5))
        avg_len = float(lengths.mean()) if self.size else 1.0
        norm = k1 * (1.0 - b + b * lengths[docs_arr] / max(avg_len, 1e-9))
        self.weights: FloatArray = (self.idf[terms_arr] * tf * (k1 + 1.0) / (tf + norm)).astype(np.float32)
        self.postings: IntArray = docs_arr
        self.indptr: npt.NDArray[np.int64] = np.concatenate(([0], np.cumsum(df.astype(np.int64))))
        self.doc_idf: FloatArray = np.bincount(docs_arr, weights=self.idf[terms_arr], minlength=self.size).astype(
            np.float32
        )

    def idf_of(self, term: str) -> float:
        """IDF of a term; unseen terms count as the rarest possible, since they make a message less like any claim."""
        term_id = self.vocabulary.get(term)
        return float(self.idf[term_id]) if term_id is not None else self.max_idf

    def score(self, terms: Iterable[str]) -> QueryScores | None:
        """Score every document against a bag of query terms; None when no term is in the index."""
        unique = set(terms)
        query_idf = sum(self.idf_of(t) for t in unique)
        ids = [self.vocabulary[t] for t in unique if t in self.vocabulary]
        if not ids:
            return None
        slices = [slice(self.indptr[i], self.indptr[i + 1]) for i in ids]
        docs = np.concatenate([self.postings[s] for s in slices])
        weights = np.concatenate([self.weights[s] for s in slices])
        idfs = np.concatenate(
            [np.full(s.stop - s.start, self.idf[i], dtype=np.float32) for s, i in zip(slices, ids, strict=True)]
        )
        bm25 = np.bincount(docs, weights=weights, minlength=self.size).astype(np.float32)
        shared = np.bincount(docs, weights=idfs, minlength=self.size).astype(np.float32)
        return QueryScores(bm25, shared, query_idf)
