"""Optional semantic re-ranking: a sentence-embedding model's cosine similarity fused with the lexical score.

Off by default. Lexical BM25 misses paraphrases that share no words with a claim; a sentence-embedding model
finds them (CLEF-2020 test MAP@5 0.90 lexical, 0.95 fused; benchmarks/README.md). The model needs
sentence-transformers and torch (`pip install 'factbot[semantic]'`), hundreds of megabytes and about 15 ms of
CPU per short message, so only deployments that can afford it turn it on (`[matcher] semantic_model`).

The catalogue's phrasings are encoded once per catalogue version, where the lexical index is built (a worker
thread), and vectors of phrasings that did not change are reused from the previous version.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

INSTALL_HINT = "pip install 'factbot[semantic]' (install a CPU build of torch first to avoid the CUDA one)"


class SemanticUnavailable(RuntimeError):
    """The semantic re-ranker is configured but its model or library cannot be loaded."""


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 row vectors, so a dot product is the cosine similarity."""

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, shape (len(texts), dimension), each of unit length."""
        ...


class SentenceTransformerEncoder:
    """A sentence-transformers model on the CPU, loaded from a model name or a local directory."""

    def __init__(self, model: str, *, batch_size: int = 64) -> None:
        try:
            module = importlib.import_module("sentence_transformers")
        except ImportError as exc:
            raise SemanticUnavailable(
                f"matcher.semantic_model is set ({model!r}) but sentence-transformers is not installed: {INSTALL_HINT}"
            ) from exc
        try:
            self._model = module.SentenceTransformer(model, device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError or hub errors depending on the cause
            raise SemanticUnavailable(f"cannot load the sentence-embedding model {model!r}: {exc}") from exc
        self.name = model
        self.batch_size = batch_size
        # Renamed in sentence-transformers 5.x; the old name still works there but warns.
        dimension_of = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dimension = dimension_of()
        self._dimension = int(dimension) if dimension else int(self._model.encode(["x"]).shape[1])
        # Fast tokenizers raise "Already borrowed" when two threads use one at once; the matcher runs in
        # several worker threads, and torch already spreads one encoding over the cores.
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """Length of each vector (384 for all-MiniLM-L6-v2)."""
        return self._dimension

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Unit-length embeddings; texts longer than the model's limit (256 word pieces) are truncated."""
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class SemanticReranker:
    """What the matcher needs to fuse: the encoder, the fusion weight and the bounds on the work per message.

    One instance lives for the whole process and is handed to every matcher built from the catalogue; it keeps
    the vectors of the last catalogue's phrasings so that a rebuild after an edit encodes only what changed.
    """

    def __init__(
        self,
        encoder: Encoder,
        *,
        weight: float = 0.2,
        candidates: int = 50,
        max_windows: int = 8,
        languages: Iterable[str] = ("en",),
    ) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ValueError("semantic weight must be in [0, 1]")
        if candidates < 1 or max_windows < 1:
            raise ValueError("semantic candidates and max_windows must be at least 1")
        self.encoder = encoder
        self.weight = weight
        self.candidates = candidates
        self.max_windows = max_windows
        # Messages in other languages keep the lexical order: all-MiniLM-L6-v2 is English-only, and its
        # cosines for a Spanish or Russian message are noise that outvotes good lexical matches.
        self.languages = frozenset(languages)
        self._known: dict[str, Vectors] = {}
        self._lock = threading.Lock()

    def encode_catalogue(self, texts: Sequence[str]) -> Vectors:
        """Vectors of the catalogue's phrasings, reusing those of the previous catalogue version."""
        with self._lock:
            known = self._known
            missing = list(dict.fromkeys(t for t in texts if t not in known))
            fresh = self.encoder.encode(missing) if missing else None
            found = dict(zip(missing, fresh, strict=True)) if fresh is not None else {}
            matrix = np.zeros((len(texts), self.encoder.dimension), dtype=np.float32)
            for row, text in enumerate(texts):
                matrix[row] = known[text] if text in known else found[text]
            # Keep only this version's phrasings, so the memo never outgrows the catalogue.
            self._known = {text: matrix[row] for row, text in enumerate(texts)}
        return matrix

    def encode_windows(self, texts: Sequence[str]) -> Vectors:
        """Vectors of a message's windows (the caller has already bounded how many)."""
        return self.encoder.encode(texts)


def pick_windows(evidence: Sequence[float], limit: int) -> list[int]:
    """Which of a message's windows to encode when there are more than `limit`: up to half by lexical evidence
    (the windows where claims' words were found), the rest spread evenly from the first to the last, so a
    paraphrase that shares no word with any claim is looked for all over the message (but, in a message of
    more than `limit` windows, not in every window). Returned in reading order."""
    count = len(evidence)
    if count <= limit:
        return list(range(count))
    chosen = {i for i in sorted(range(count), key=lambda i: (-evidence[i], i))[: limit // 2] if evidence[i] > 0}
    slots = limit - len(chosen)
    chosen.update(round(i * (count - 1) / max(slots - 1, 1)) for i in range(slots))
    for index in range(count):  # only when evenly spaced picks coincided with the evidence picks
        if len(chosen) >= limit:
            break
        chosen.add(index)
    return sorted(chosen)


def claim_similarities(similarity: Vectors, starts: npt.NDArray[np.int64]) -> Vectors:
    """Per claim, the highest cosine between any window and any of its phrasings (claim text or alias).

    `similarity` is windows x phrasings; each claim's phrasings are consecutive columns, claim i's from
    column `starts[i]`.
    """
    if not len(starts) or not similarity.size:
        return np.zeros(len(starts), dtype=np.float32)
    return np.maximum.reduceat(similarity.max(axis=0), starts).astype(np.float32)


def fuse(lexical: Vectors, cosine: Vectors, stance: Vectors, weight: float) -> Vectors:
    """weight x lexical / max lexical + (1 - weight) x cosine x stance factor.

    BM25 scores are not comparable across messages, so they are scaled by the best one; the lexical key
    already carries the stance factor, and the cosine gets it too, because an embedding cannot tell "NATO
    promised not to expand" from "NATO never promised not to expand".
    """
    top = float(lexical.max()) if lexical.size else 0.0
    scaled = lexical / top if top > 0 else np.zeros_like(lexical)
    return (weight * scaled + (1.0 - weight) * cosine * stance).astype(np.float32)


def load_reranker(
    model: str, *, weight: float, candidates: int, max_windows: int, languages: Iterable[str] = ("en",)
) -> SemanticReranker | None:
    """The re-ranker a deployment configured, or None when `model` is empty (the default: lexical only)."""
    if not model.strip():
        return None
    encoder = SentenceTransformerEncoder(model.strip())
    return SemanticReranker(encoder, weight=weight, candidates=candidates, max_windows=max_windows, languages=languages)
