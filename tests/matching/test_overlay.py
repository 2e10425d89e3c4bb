"""A community's own index merged with the shared one at query time."""

from __future__ import annotations

import random
from pathlib import Path

from bot.catalogue.loader import load_claims
from bot.domain.models import Alias, Candidate, Claim, Decision, Evidence, Stance, Verdict
from bot.matching.matcher import PREFIX, ClaimMatcher
from bot.matching.overlay import CommunityMatcher, Gate, merge

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = (Evidence("Doc", "2020", "Archive", "https://example.org/doc", Stance.CONTRADICTS, "A quote."),)


def claim(claim_id: str, text: str, *aliases: str) -> Claim:
    return Claim(
        id=claim_id,
        claim=text,
        verdict=Verdict.FALSE,
        summary="Summary.",
        evidence=EVIDENCE,
        aliases=tuple(Alias(a, "en") for a in aliases),
    )


SHARED = ClaimMatcher(
    [
        claim("moon-staged", "The 1969 Moon landing was staged in a film studio"),
        claim("wall-visible", "The Great Wall of China is visible from the Moon with the naked eye"),
    ]
)


def test_merge_keeps_each_claims_better_score_and_bounds_the_leaders_lead_by_the_other_index() -> None:
    shared = [Candidate("a", 0.6, lead=0.5), Candidate("b", 0.3, lead=0.0)]
    local = [Candidate("c", 0.62, lead=0.9), Candidate("a", 0.4, lead=0.0)]
    merged = merge(shared, local, 5)
    assert [(c.claim_id, c.score) for c in merged] == [("c", 0.62), ("a", 0.6), ("b", 0.3)]
    # c's own index said it led by 0.9; against a from the shared index it leads by (0.62 - 0.6) / 0.62 only.
    assert round(merged[0].lead, 4) == round(0.02 / 0.62, 4) and merged[1].lead == 0.0


def test_a_tie_across_indexes_is_never_a_lead() -> None:
    merged = merge([Candidate("a", 0.5, lead=1.0)], [Candidate("c", 0.5, lead=1.0)], 5)
    assert merged[0].claim_id == "a" and merged[0].lead == 0.0


def test_a_communitys_own_claim_is_found_and_the_shared_ones_still_are() -> None:
    local = ClaimMatcher([claim("moon-cheese", "The Moon is made of green cheese from Wisconsin")])
    both = CommunityMatcher(SHARED, local)
    found = both.match("the moon is made of green cheese from wisconsin, everyone knows")
    assert found.decision is Decision.REPLY and found.best.claim_id == "moon-cheese"
    staged = both.match("the 1969 moon landing was staged in a film studio")
    assert staged.best.claim_id == "moon-staged" and staged == SHARED.match(
        "the 1969 moon landing was staged in a film studio"
    )
    assert both.match("the moon is made of green cheese", exclude=frozenset({"moon-cheese"})).decision is not (
        Decision.REPLY
    )


def test_a_local_alias_of_a_shared_claim_finds_it() -> None:
    slang = "astronauts never left low earth orbit in sixty nine"
    aliased = claim("moon-staged", "The 1969 Moon landing was staged in a film studio", slang)
    both = CommunityMatcher(SHARED, ClaimMatcher([aliased]))
    assert SHARED.match(slang).decision is Decision.NONE
    assert both.match(slang).best.claim_id == "moon-staged"


def test_the_gate_opens_on_two_shared_words_or_one_of_a_short_phrasing() -> None:
    long = Gate.of(ClaimMatcher([claim("moon-cheese", "The Moon is made of green cheese from Wisconsin")]))
    assert not long.opens(["cheese"]) and long.opens(["chees", "wisconsin"])
    short = Gate.of(ClaimMatcher([claim("cheese-moon", "Cheese moon")]))
    assert short.opens(["chees"])
    # Words that share their first five letters count, as they do in the confidence.
    assert long.opens(["wisconsinit", "chees"])


def test_the_gate_opens_exactly_when_some_claim_has_enough_of_its_words_in_the_message() -> None:
    # The gate finds words by bisection and prefixes as runs of a sorted tuple; this is the rule it must keep,
    # written out plainly, checked on the shipped catalogue as one community's claims and random messages.
    local = ClaimMatcher(load_claims(ROOT / "claims"))
    gate = Gate.of(local)

    def plain_rule(terms: list[str]) -> bool:
        query = set(terms)
        prefixes = {t[:PREFIX] for t in query if len(t) >= PREFIX}
        for doc in range(len(local)):
            phrasings = [set(p) for p in local.phrasing_terms(doc)]
            words = set().union(*phrasings)
            need = 1 if any(len(p) <= 3 for p in phrasings) else 2
            found = sum(1 for w in words if w in query or (len(w) >= PREFIX and w[:PREFIX] in prefixes))
            if found >= need:
                return True
        return False

    vocabulary = sorted({t for doc in range(len(local)) for p in local.phrasing_terms(doc) for t in p})
    others = ["weather", "footbal", "cat", "meeting", "expanse", "promenade", "gorb", "treatise"]
    rng = random.Random("gate")
    outcomes = []
    for _ in range(3000):
        terms = rng.sample(vocabulary, rng.randint(0, 2)) + rng.sample(others, rng.randint(0, 4))
        terms = [t[: rng.randint(5, len(t))] + "x" * rng.randint(0, 1) if len(t) > 5 else t for t in terms]
        outcomes.append(gate.opens(terms))
        assert outcomes[-1] == plain_rule(terms), terms
    assert 0.2 < sum(outcomes) / len(outcomes) < 0.9  # both ways, often


def test_a_word_the_shared_catalogue_knows_is_not_repaired_into_a_communitys_word() -> None:
    local = ClaimMatcher([claim("mayor-stated", "The mayor stated the bridge will close in 2027")])
    community = CommunityMatcher(SHARED, local)
    spelt = SHARED.index.vocabulary
    # "staged" is a word of the shared catalogue, so it is not taken for a typo of the community's "stated" ...
    text = "the mayor staged the bridge closing in 2027"
    alone, layered = local.rank(text)[0].score, local.rank(text, spelt=spelt)[0].score
    assert layered < alone
    assert [c.score for c in community.rank(text) if c.claim_id == "mayor-stated"] == [layered]
    # ... while a word no catalogue knows is still repaired.
    typo = "the mayor stafed the bridge will close in 2027"
    repaired = local.rank(typo, spelt=spelt)[0].score
    assert repaired == local.rank(typo)[0].score
    assert repaired > local.rank(typo.replace("stafed", "qwzxvj"))[0].score
