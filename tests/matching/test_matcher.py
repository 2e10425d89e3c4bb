"""The matcher on small catalogues: stance between mirror claims, languages, decisions, bounds."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

import pytest

import bot.matching.matcher as matcher_module
import bot.matching.text as text_module
from bot.catalogue.loader import load_claims
from bot.domain.models import Alias, Candidate, Claim, ClaimStatus, Decision, Verdict
from bot.matching.matcher import ClaimMatcher, Thresholds
from bot.settings import MatcherSettings

ROOT = Path(__file__).resolve().parents[2]


def claim(claim_id: str, text: str, *aliases: str | tuple[str, str], status: ClaimStatus = ClaimStatus.ACTIVE) -> Claim:
    return Claim(
        id=claim_id,
        claim=text,
        verdict=Verdict.DISPUTED,
        summary="",
        evidence=(),
        aliases=tuple(Alias(a, "en") if isinstance(a, str) else Alias(*a) for a in aliases),
        status=status,
    )


CATALOGUE = [
    claim(
        "promised",
        "The West promised Moscow that NATO would not expand eastward.",
        "NATO promised Russia it would not expand east",
        "Gorbachev was assured that NATO would not move east",
        ("Occidente prometió a Rusia que la OTAN no se expandiría hacia el este", "es"),
        ("Der Westen hat Russland versprochen, dass sich die NATO nicht nach Osten ausdehnt", "de"),
        ("L'Occident a promis à la Russie que l'OTAN ne s'étendrait pas vers l'est", "fr"),
        ("Запад обещал России, что НАТО не будет расширяться на восток", "ru"),
    ),
    claim(
        "never",
        "NATO never promised not to expand eastward.",
        "Nobody ever promised Russia that NATO would not expand",
        "the story that NATO promised not to expand is a myth",
        ("La OTAN nunca prometió no expandirse hacia el este", "es"),
        ("Die NATO hat nie versprochen, sich nicht nach Osten zu erweitern", "de"),
        ("L'OTAN n'a jamais promis de ne pas s'élargir à l'est", "fr"),
        ("НАТО никогда не обещало не расширяться на восток", "ru"),
    ),
    claim(
        "treaty",
        "A signed treaty forbids NATO from expanding eastward.",
        "there is a written agreement that bans NATO enlargement",
    ),
    claim(
        "unwritten",
        "Nothing about NATO expansion was ever put in writing or signed.",
        "there was no written agreement on NATO enlargement",
    ),
    claim("moon", "The moon landing was staged in a film studio.", "the Apollo landings were faked"),
    claim("chips", "Vaccines contain microchips that track people.", "the covid jab has a tracking chip"),
    claim("retired", "The moon is made of cheese.", status=ClaimStatus.RETIRED),
]


@pytest.fixture(scope="module")
def matcher() -> ClaimMatcher:
    return ClaimMatcher(CATALOGUE)


def top(matcher: ClaimMatcher, text: str) -> str | None:
    ranked = matcher.rank(text, 3)
    return ranked[0].claim_id if ranked else None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # the same words, opposite stance: the claim the message asserts comes first
        ("NATO promised not to expand to the east", "promised"),
        ("NATO never promised not to expand to the east", "never"),
        ("NATO didn't promise Russia it wouldn't expand", "never"),
        ("nato didnt promise russia it woudnt expand", "never"),
        ("lol nato DIDNT promise they wouldnt expand east", "never"),
        ("there was no such promise that NATO would not expand", "never"),
        ("the promise that NATO would not expand is a lie", "never"),
        ("NATO promising not to expand is a myth", "never"),
        ("Russia was promised NATO would not expand east", "promised"),
        ("they signed a treaty that bans NATO expansion", "treaty"),
        ("nothing was signed, NATO expansion was never put in writing", "unwritten"),
        ("there is no written agreement about NATO expansion", "unwritten"),
        ("nato expansion wasnt put in writing anywhere", "unwritten"),
        # other languages, both stances
        ("La OTAN prometió no expandirse hacia el este", "promised"),
        ("La OTAN nunca prometió no expandirse hacia el este", "never"),
        ("Der Westen hat versprochen, dass sich die NATO nicht ausdehnt", "promised"),
        ("Die NATO hat nie versprochen, sich nicht zu erweitern", "never"),
        ("L'Occident a promis que l'OTAN ne s'étendrait pas", "promised"),
        ("L'OTAN n'a jamais promis de ne pas s'élargir", "never"),
        ("Запад обещал, что НАТО не будет расширяться", "promised"),
        ("НАТО никогда не обещало не расширяться на восток", "never"),
        # unrelated claims are found by their own words, whatever the case or the typos
        ("the APOLLO moon landing was staged in a studio", "moon"),
        ("the vacines contian microchips that trak people", "chips"),
    ],
)
def test_ranks_the_claim_the_message_asserts(matcher: ClaimMatcher, message: str, expected: str) -> None:
    assert top(matcher, message) == expected


def test_a_denial_of_a_claim_without_mirror_still_finds_that_claim(matcher: ClaimMatcher) -> None:
    assert top(matcher, "the moon landing was not staged in a studio, stop it") == "moon"


def test_scores_are_ordered_confidences(matcher: ClaimMatcher) -> None:
    ranked = matcher.rank("NATO promised not to expand, then the moon landing was staged", 5)
    assert ranked
    scores = [c.score for c in ranked]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len({c.claim_id for c in ranked}) == len(ranked)


def test_candidates_explain_themselves(matcher: ClaimMatcher) -> None:
    best = matcher.rank("the Apollo landings were faked, wake up", 1)[0]
    assert best.claim_id == "moon"
    assert best.matched_variant == "the Apollo landings were faked"
    assert "apollo" in best.window.casefold()


def test_retired_claims_are_never_matched(matcher: ClaimMatcher) -> None:
    assert len(matcher) == 6
    assert all(c.claim_id != "retired" for c in matcher.rank("the moon is made of cheese", 10))


@pytest.mark.parametrize("message", ["", "   ", "!!!", "the of and", "lol ok", "\u200b\u200b"])
def test_nothing_to_match(matcher: ClaimMatcher, message: str) -> None:
    result = matcher.match(message)
    assert result.decision is Decision.NONE
    assert result.candidates == () or all(c.score < matcher.thresholds.suggest for c in result.candidates)


@pytest.mark.parametrize(
    "message",
    [
        "our alliance in the game will expand east of the river next season",
        "I promise I will not forget the treaty of the guild",
        "who took the markers from the studio?",
    ],
)
def test_near_misses_get_no_unprompted_reply(matcher: ClaimMatcher, message: str) -> None:
    assert matcher.match(message).decision is not Decision.REPLY


def test_a_claim_in_one_sentence_of_a_long_chatty_message_is_found(matcher: ClaimMatcher) -> None:
    chat = (
        "Morning all, standup is moved to ten because the build server is down again. Please review the two open "
        "pull requests before lunch and update your tickets. Someone left the fridge open over the weekend. "
    )
    message = chat + "Also, for the record: the moon landing was staged in a film studio. " + chat + chat
    result = matcher.match(message)
    assert result.best is not None and result.best.claim_id == "moon"
    assert "moon" in result.best.window


def test_work_is_bounded_for_huge_messages(matcher: ClaimMatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    scored: list[int] = []
    original_analyse = matcher_module.analyse
    original_score = matcher.index.score

    def spy_analyse(text: str, lang: str | None = None, *, offsets: bool = False) -> object:
        seen.append(len(text))
        return original_analyse(text, lang, offsets=offsets)

    def spy_score(terms: object) -> object:
        scored.append(1)
        return original_score(terms)  # type: ignore[arg-type]

    monkeypatch.setattr(matcher_module, "analyse", spy_analyse)
    monkeypatch.setattr(text_module, "analyse", spy_analyse)  # what the remembered analysis of a message calls
    text_module.analyse_message.cache_clear()
    monkeypatch.setattr(matcher.index, "score", spy_score)
    huge = "the moon landing was staged in a film studio and we all know it " * 16_000  # about 1 MB
    matcher.match(huge)
    assert max(seen) <= matcher_module.MAX_MATCH_CHARS
    assert len(scored) <= matcher_module.MAX_WINDOWS


def test_a_megabyte_costs_at_most_a_few_times_four_kilobytes(matcher: ClaimMatcher) -> None:
    unit = "nato promised not to expand, said my uncle, and the moon landing was staged in a studio. "

    def cost(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            matcher.match(text)
            best = min(best, time.perf_counter() - started)
        return best

    small = unit * (4096 // len(unit))
    large = unit * (1_048_576 // len(unit))
    assert cost(large) <= 5 * cost(small) + 0.05


@pytest.mark.parametrize(
    ("thresholds", "ranked", "decision"),
    [
        (Thresholds(reply=0.6, suggest=0.3), [], Decision.NONE),
        (Thresholds(reply=0.6, suggest=0.3), [("a", 0.7, "nato promised not to expand")], Decision.REPLY),
        (Thresholds(reply=0.6, suggest=0.3), [("a", 0.59, "nato promised not to expand")], Decision.SUGGEST),
        (Thresholds(reply=0.6, suggest=0.3), [("a", 0.3, "nato promised not to expand")], Decision.SUGGEST),
        (Thresholds(reply=0.6, suggest=0.3), [("a", 0.29, "nato promised not to expand")], Decision.NONE),
        # the margin over the runner-up
        (
            Thresholds(reply=0.6, suggest=0.3, reply_margin=0.1),
            [("a", 0.7, "nato promised not to expand"), ("b", 0.65, "x")],
            Decision.SUGGEST,
        ),
        (
            Thresholds(reply=0.6, suggest=0.3, reply_margin=0.1),
            [("a", 0.7, "nato promised not to expand"), ("b", 0.6, "x")],
            Decision.REPLY,
        ),
        # too few content words in the matched window to speak unprompted
        (Thresholds(reply=0.6, suggest=0.3, min_reply_words=3), [("a", 0.9, "nato expansion")], Decision.SUGGEST),
        (Thresholds(reply=0.6, suggest=0.3, min_reply_words=2), [("a", 0.9, "nato expansion")], Decision.REPLY),
    ],
)
def test_decide(thresholds: Thresholds, ranked: list[tuple[str, float, str]], decision: Decision) -> None:
    candidates = [Candidate(claim_id, score, "", window) for claim_id, score, window in ranked]
    assert ClaimMatcher([], thresholds).decide(candidates) is decision


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reply": 0.3, "suggest": 0.5},
        {"reply": 1.2},
        {"suggest": -0.1},
        {"stance_penalty": 0.0},
        {"stance_penalty": 1.5},
        {"reply_margin": -0.01},
        {"min_reply_words": 0},
    ],
)
def test_thresholds_reject_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**kwargs)  # type: ignore[arg-type]


def test_settings_defaults_equal_threshold_defaults() -> None:
    fields = MatcherSettings.model_fields
    defaults = Thresholds()
    assert fields["reply_threshold"].default == defaults.reply
    assert fields["suggest_threshold"].default == defaults.suggest
    assert fields["reply_margin"].default == defaults.reply_margin
    assert fields["min_reply_words"].default == defaults.min_reply_words
    assert fields["stance_penalty"].default == defaults.stance_penalty


def test_an_empty_catalogue_matches_nothing() -> None:
    empty = ClaimMatcher([])
    assert len(empty) == 0
    assert empty.match("NATO promised not to expand").decision is Decision.NONE


# The shipped catalogue, with messages written for these tests (not taken from the evaluation set).
SHIPPED = [
    ("The West gave Gorbachev its word that NATO would not expand, then broke it", "nato-promised-no-expansion"),
    ("nato never made any promise to russia about not expanding", "nato-never-promised"),
    ("nato didnt promise moscow anything, the expansion promise is a myth", "nato-never-promised"),
    ("nobody ever promised the Soviets that NATO would stay out of the east", "nato-never-promised"),
    ("there is a treaty that legally bans NATO from expanding east", "treaty-bans-expansion"),
    ("it was all verbal, nothing about enlargement was ever signed", "no-written-commitment"),
    ("no such written commitment exists, show me the treaty text", "no-written-commitment"),
]


@pytest.fixture(scope="module")
def shipped() -> ClaimMatcher:
    return ClaimMatcher(load_claims(ROOT / "claims"))


@pytest.mark.parametrize(("message", "expected"), SHIPPED)
def test_shipped_catalogue_mirror_claims(shipped: ClaimMatcher, message: str, expected: str) -> None:
    assert top(shipped, message) == expected


@pytest.mark.parametrize(
    "message",
    [
        'People say "nothing about NATO expansion was ever put in writing or signed". Wrong: a treaty forbids it.',
        "You hear that nothing about NATO expansion was ever put in writing. Wrong, a treaty forbids it.",
    ],
)
def test_a_stance_penalised_leader_gives_way_to_its_declared_mirror(message: str) -> None:
    # Written for this test: the unwritten claim has the most words in common, but the message calls it wrong.
    mirrors = {"treaty": "unwritten", "unwritten": "treaty"}
    mirrored = ClaimMatcher([replace(c, mirror=mirrors.get(c.id)) for c in CATALOGUE])
    assert [c.claim_id for c in mirrored.rank(message, 2)] == ["treaty", "unwritten"]
    # Without the declaration the lexical leader keeps its place: only a declared mirror moves up on stance.
    assert ClaimMatcher(CATALOGUE).rank(message, 2)[0].claim_id == "unwritten"


def test_only_a_claim_with_a_mirror_is_unsettled_by_an_outright_denial() -> None:
    # Written for this test: "not true that ... never promised" turns every word "never" shares around.
    text = "It is not true that NATO never promised not to expand eastward"
    mirrors = {"promised": "never", "never": "promised"}
    mirrored = ClaimMatcher([replace(c, mirror=mirrors.get(c.id)) for c in CATALOGUE])
    ranked = {c.claim_id: c for c in mirrored.rank(text, 3)}
    assert ranked["promised"].stance_settled and not ranked["never"].stance_settled
    # Without the declaration the denial says nothing about sides, and a denial of a claim nobody mirrors is
    # still about that claim.
    assert all(c.stance_settled for c in ClaimMatcher(CATALOGUE).rank(text, 3))
    assert ClaimMatcher(CATALOGUE).rank("the moon landing was never staged in a film studio", 1)[0].stance_settled


def test_excluded_claims_are_left_out_of_one_query_without_touching_the_index(matcher):
    text = "The moon landing was staged in a film studio"
    full = matcher.rank(text, 5)
    leader = full[0].claim_id
    without = matcher.rank(text, 5, exclude=frozenset({leader}))
    assert leader not in [c.claim_id for c in without]
    assert [c.claim_id for c in without] == [c.claim_id for c in full if c.claim_id != leader][: len(without)]
    assert matcher.rank(text, 5) == full  # the next query sees the whole catalogue again
    assert matcher.match(text, exclude=frozenset({"no-such-claim"})).candidates == matcher.match(text).candidates


def test_a_small_index_repairs_typos_exactly_as_a_bucketed_one(monkeypatch) -> None:
    # A community's small index keeps no buckets and no per-term dicts: it scores every word of the three lengths
    # and orders the close ones as the buckets would, and reads weights from arrays. Same repairs and rankings.
    claims = load_claims(ROOT / "claims")
    on_demand = ClaimMatcher(claims)
    monkeypatch.setattr(matcher_module, "SMALL_VOCABULARY", 0)
    bucketed = ClaimMatcher(claims)
    assert on_demand._typo_buckets is None and bucketed._typo_buckets
    assert not isinstance(on_demand._weights, dict) and isinstance(bucketed._weights, dict)
    words = sorted(w for w in bucketed._surface_stems if len(w) >= 4)
    rng = random.Random("repairs")
    typos = set()
    for word in words:
        i = rng.randrange(len(word))
        typos.update(
            {
                word[:i] + word[i + 1 :],  # dropped
                word[:i] + word[i] + word[i:],  # doubled
                word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :],  # swapped with the next
                word[:i] + rng.choice("aeiouxyz") + word[i + 1 :],  # replaced
                rng.choice("bcdkmpst") + word[1:],  # first letter replaced: only the second letter can pick it
            }
        )
    repairs = {typo: bucketed._repair(typo) for typo in sorted(typos) if len(typo) >= 4}
    assert sum(found is not None for found in repairs.values()) > len(repairs) / 2  # the comparison means something
    assert {typo: on_demand._repair(typo) for typo in repairs} == repairs
    for text in (
        "nato promissed gorbachov not to expnad eastwrd",
        "bakr said not one inhc to the east",
        "the two plus for treaty bans foriegn troops",
        "yeltsn had no objecton to polnad joinig",
    ):
        assert on_demand.rank(text, 5) == bucketed.rank(text, 5), text


def _typos_of(words: list[str], seed: str) -> list[str]:
    """One typo of each kind per word, in a fixed order."""
    rng = random.Random(seed)
    typos: dict[str, None] = {}
    for word in words:
        i = rng.randrange(len(word))
        for typo in (
            word[:i] + word[i + 1 :],
            word[:i] + word[i] + word[i:],
            word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :],
            word[:i] + rng.choice("aeiouxyz") + word[i + 1 :],
            rng.choice("bcdkmpst") + word[1:],
        ):
            if len(typo) >= 4:
                typos[typo] = None
    return list(typos)


def test_the_letter_filter_drops_no_candidate_that_could_win(monkeypatch) -> None:
    # The repair rules out candidates by their letters before scoring them: it must pick what scoring every
    # candidate of the buckets, in the buckets' order, picks.
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    monkeypatch.setattr(matcher_module, "SMALL_VOCABULARY", 0)
    bucketed = ClaimMatcher(load_claims(ROOT / "claims"))
    buckets: dict[tuple[int, str], list[str]] = {}
    for word in (w for w in bucketed._surface_stems if len(w) >= matcher_module.TYPO_MIN_LENGTH - 1):
        for key in dict.fromkeys(((len(word), word[0]), (len(word), word[1]))):
            buckets.setdefault(key, []).append(word)

    def every_candidate(word: str) -> str | None:
        choices = [
            choice
            for length in (len(word) - 1, len(word), len(word) + 1)
            for key in dict.fromkeys(((length, word[0]), (length, word[1])))
            for choice in buckets.get(key, ())
        ]
        found = process.extractOne(
            word, choices, scorer=Levenshtein.normalized_similarity, score_cutoff=matcher_module.TYPO_MIN_SIMILARITY
        )
        return found[0] if found else None

    words = sorted(w for w in bucketed._surface_stems if len(w) >= 4)
    typos = [*_typos_of(words, "filter"), "xxxxxxxx", "ñandúes", "Москва", "zzzz"]
    expected = {typo: every_candidate(typo) for typo in typos}
    assert sum(found is not None for found in expected.values()) > len(expected) / 2
    assert {typo: bucketed._closest(typo) for typo in typos} == expected


def test_a_small_index_remembers_no_repairs() -> None:
    # Thousands of community indexes may be cached at once: a memory each would add up.
    matcher = ClaimMatcher(load_claims(ROOT / "claims"))
    assert matcher._typo_buckets is None
    assert [matcher._repair(typo) for typo in ("promissed", "promissed")] == [matcher._closest("promissed")] * 2
    assert matcher._repair.cache_info().currsize == 0


def test_remembered_repairs_are_the_repairs_and_the_memory_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(matcher_module, "SMALL_VOCABULARY", 0)
    matcher = ClaimMatcher(load_claims(ROOT / "claims"))
    assert matcher._typo_buckets is not None
    words = sorted(w for w in matcher._surface_stems if len(w) >= 4)
    typos = _typos_of(words, "cache")
    assert len(typos) > matcher_module.REPAIR_CACHE  # enough to fill the memory
    first = [matcher._repair(typo) for typo in typos]
    assert first == [matcher._closest(typo) for typo in typos]
    assert matcher._repair.cache_info().currsize == matcher_module.REPAIR_CACHE
    recent = typos[-1000:]
    hits = matcher._repair.cache_info().hits
    assert [matcher._repair(typo) for typo in recent] == first[-1000:]  # answered from memory the second time
    assert matcher._repair.cache_info().hits == hits + len(recent)


def test_rankings_of_typod_messages_do_not_depend_on_what_the_index_remembers(monkeypatch) -> None:
    monkeypatch.setattr(matcher_module, "SMALL_VOCABULARY", 0)
    claims = load_claims(ROOT / "claims")
    rng = random.Random("typo'd messages")
    texts = [c.claim for c in claims] + [a.text for c in claims for a in c.aliases]
    messages = []
    for text in texts:
        words = text.split()
        for _ in range(max(1, len(words) // 3)):
            i = rng.randrange(len(words))
            if len(words[i]) >= 4:
                j = rng.randrange(len(words[i]))
                words[i] = words[i][:j] + words[i][j + 1 :]
        messages.append(" ".join(words))
    warm = ClaimMatcher(claims)
    before = [warm.rank(text, 5) for text in messages]
    assert warm._repair.cache_info().currsize > 0  # the messages did need repairs
    after = [warm.rank(text, 5) for text in reversed(messages)][::-1]
    fresh = ClaimMatcher(claims)
    assert before == after == [fresh.rank(text, 5) for text in reversed(messages)][::-1]


def test_keying_the_best_claims_first_and_stopping_keeps_the_top_keys_of_keying_all() -> None:
    # A message of one window keys claims best BM25 first and stops once none left can reach the top `needed`:
    # the top `needed` (keys, stances, windows) must be those of keying every candidate.
    claims = load_claims(ROOT / "claims")
    matcher = ClaimMatcher(claims)
    texts = [c.claim for c in claims] + [a.text for c in claims for a in c.aliases if a.lang == "en"]
    texts += [f"it is not true that {text.lower()}" for text in texts[:20]]
    left_out = 0
    for text in texts:
        windows, _ = matcher._windows(text)
        assert len(windows) == 1
        for needed, hidden in ((6, set()), (2, set()), (1, {0, 3}), (3, {matcher._doc_of[claims[5].id]})):
            every: dict[int, matcher_module._Found] = {}
            pruned: dict[int, matcher_module._Found] = {}
            matcher._rank_window(0, windows[0], every, needed, hidden)
            matcher._rank_window(0, windows[0], pruned, needed, hidden, prune=True)
            assert not hidden & (set(every) | set(pruned))
            best = sorted(every.items(), key=lambda item: (-item[1].key, item[0]))[:needed]
            assert sorted(pruned.items(), key=lambda item: (-item[1].key, item[0]))[:needed] == best, text
            assert set(pruned) <= set(every)
            left_out += len(every) - len(pruned)
    assert left_out > len(texts)  # the pruning did leave claims out


def _plain_confidence(matcher: ClaimMatcher, doc: int, window: matcher_module._Window) -> tuple[float, int | None]:
    """The confidence worked out from the phrasings alone, as the matcher once did on every call."""
    core = matcher._core(doc)
    weight, unknown = matcher._weights.get, matcher._unknown_weight
    prefix, credit = matcher_module.PREFIX, matcher_module.PREFIX_CREDIT
    explained = [
        1.0 if t in core.vocabulary else credit if p in core.prefixes else 0.0
        for t, p in zip(window.terms, window.term_prefixes, strict=True)
    ]
    min_mass = matcher_module.MIN_PHRASING_MASS * matcher.index.max_idf
    beta2 = matcher_module.COVERAGE_WEIGHT**2
    best, best_number = 0.0, None
    for phrasing in matcher._phrasings[doc]:
        shared = window.query.intersection(phrasing.terms)
        if not shared:
            continue
        own = set(phrasing.terms)
        covered = sum([weight(t, unknown) for t in shared]) + credit * sum(
            [weight(t, unknown) for t in own - shared if t[:prefix] in window.prefixes]
        )
        coverage = min(covered / max(phrasing.weight, min_mass), 1.0)
        core_weights, core_mass = core.by_lang[phrasing.lang]
        core_covered = sum(
            [
                w if t in window.query else credit * w if t[:prefix] in window.prefixes else 0.0
                for t, w in core_weights.items()
            ]
        )
        share = matcher_module.CORE_SHARE
        coverage = (1.0 - share) * coverage + share * min(core_covered / core_mass, 1.0)
        prefixes = {t[:prefix] for t in own if len(t) >= prefix}
        hits = [i for i, t in enumerate(window.terms) if t in own or window.term_prefixes[i] in prefixes]
        seen: set[str] = set()
        span_weight = span_explained = 0.0
        for i in range(hits[0], hits[-1] + 1):
            if window.terms[i] not in seen:
                seen.add(window.terms[i])
                span_weight += window.weights[i]
                span_explained += window.weights[i] * explained[i]
        focus = span_explained / span_weight if span_weight else 0.0
        if not coverage or not focus:
            continue
        value = (1.0 + beta2) * coverage * focus / (beta2 * focus + coverage)
        value = round(value * matcher._stance_factor(window, phrasing, shared), matcher_module.DIGITS)
        if value > best:
            best, best_number = value, phrasing.number
    return best, best_number


def test_the_confidence_is_the_plain_computation_from_the_phrasings() -> None:
    # The confidence finds the focus span from both ends, works it out once per span and reads each window's
    # earlier occurrences of its words: the same values, bit for bit, as the plain computation.
    claims = load_claims(ROOT / "claims")
    matcher = ClaimMatcher(claims)
    texts = [c.claim for c in claims] + [a.text for c in claims for a in c.aliases]
    texts += [f"not so: {text} and nato nato expanded, expanding east, not {text.lower()}" for text in texts[:30]]
    texts.append(" ".join(texts[:12]))  # a long message: several windows
    compared = 0
    for text in texts:
        windows, _ = matcher._windows(text)
        for window in windows:
            for i, term in enumerate(window.terms):
                assert window.previous[i] == max((j for j in range(i) if window.terms[j] == term), default=-1)
            for doc in range(len(claims)):
                value, phrasing = matcher._confidence(doc, window)
                assert (value, phrasing and phrasing.number) == _plain_confidence(matcher, doc, window), text
                compared += value > 0
    assert compared > 1000


def test_a_shorter_ranking_is_the_head_of_a_longer_one() -> None:
    # Confidences below the first `top` claims are worked out only when the mirror check needs them: the first
    # places, mirror swaps included, must be those of the full ranking.
    mirrors = {"treaty": "unwritten", "unwritten": "treaty", "promised": "never", "never": "promised"}
    mirrored = ClaimMatcher([replace(c, mirror=mirrors.get(c.id)) for c in CATALOGUE])
    # A claim keyed between the leader and its mirror: the mirror moves up from third place.
    decoyed = ClaimMatcher([*mirrored.claims, claim("decoy", "hear NATO expansion")])
    shipped = ClaimMatcher(load_claims(ROOT / "claims"))
    messages = [message for message, _ in SHIPPED] + [
        "You hear that nothing about NATO expansion was ever put in writing. Wrong, a treaty forbids it.",
        "It is not true that NATO never promised not to expand eastward",
        "NATO never promised not to expand, and no treaty forbids it, whatever Moscow says",
    ]
    for matcher in (mirrored, decoyed, shipped):
        for message in messages:
            full = matcher.rank(message, 6)
            for top in range(1, 6):
                assert matcher.rank(message, top) == full[:top], (message, top)
    windows, _ = decoyed._windows(messages[len(SHIPPED)])
    found: dict[int, matcher_module._Found] = {}
    decoyed._rank_window(0, windows[0], found, 6)
    by_key = [decoyed.claims[doc].id for doc, _ in sorted(found.items(), key=lambda item: (-item[1].key, item[0]))]
    assert by_key[:3] == ["unwritten", "decoy", "treaty"]
    assert [c.claim_id for c in decoyed.rank(messages[len(SHIPPED)], 1)] == ["treaty"]


def test_the_core_is_the_plain_computation_from_the_phrasings() -> None:
    # Same terms, same weights and the same order of terms (the order the confidence adds them in) as counting
    # over set(terms) of each phrasing.
    claims = load_claims(ROOT / "claims")
    matcher = ClaimMatcher(claims)
    weight, unknown, prefix = matcher._weights.get, matcher._unknown_weight, matcher_module.PREFIX
    for doc in range(len(claims)):
        core = matcher._make_core(doc)
        phrasings = matcher._phrasings[doc]
        by_lang: dict[str, list[tuple[str, ...]]] = {}
        for phrasing in phrasings:
            by_lang.setdefault(phrasing.lang, []).append(phrasing.terms)
        for lang, group in by_lang.items():
            counts: dict[str, int] = {}
            for terms in group:
                for term in set(terms):
                    counts[term] = counts.get(term, 0) + 1
            weights = {t: weight(t, unknown) * n / len(group) for t, n in counts.items()}
            assert list(core.by_lang[lang][0].items()) == list(weights.items())
            assert core.by_lang[lang][1] == sum(weights.values())
        vocabulary = {t for phrasing in phrasings for t in phrasing.terms}
        assert core.vocabulary == vocabulary
        assert core.prefixes == {t[:prefix] for t in vocabulary if len(t) >= prefix}
