"""The project's dev set (nato-dev.jsonl) against the shipped catalogue (claims/).

    .venv/bin/python -m benchmarks.nato [../shared/eval/nato-dev.jsonl] [--show errors|all]
    .venv/bin/python -m benchmarks.nato benchmarks/data/hard-negatives-dev.jsonl   (the project's own idioms and
        other near misses: 180 messages that share the claims' words but are about something else)
    .venv/bin/python -m benchmarks.nato benchmarks/data/nato-new-claims.jsonl   (35 labelled messages for the seven
        claims added in December 2026, which nato-dev does not cover)
        [--choose-thresholds [../shared/benchmarks/clef2020]] [--semantic MODEL]

Ranking over labelled lines (top-1 accuracy, MRR@5) and the unprompted reply decision: precision over all
lines, recall over labelled lines, false-reply rate over unlabelled lines; broken down by kind. Also how often
the claim a negation line asserts is ranked first.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.common import (
    CLAIMS_DIR,
    DEFAULT_CLEF,
    DEFAULT_NATO,
    HARD_NEGATIVES_DEV,
    add_semantic_arguments,
    bootstrap_ci,
    describe_semantic,
    machine,
    mean,
    read_clef_queries,
    read_jsonl,
    semantic_reranker,
)
from bot.catalogue.loader import load_claims
from bot.domain.models import Candidate, Decision
from bot.matching.matcher import ClaimMatcher, Thresholds

GROUPS = {
    "paraphrase": ("paraphrase", "question"),
    "long": ("long",),
    "typo": ("typo",),
    "languages": ("lang-es", "lang-de", "lang-fr", "lang-ru", "lang-uk", "lang-pl"),
    "negation": ("negation",),
    "hard negative": ("hard-negative", "idiom", "sport", "office", "other-alliance", "other-promise", "other-treaty"),
    "on topic": ("on-topic-no-claim",),
    "chatter": ("chatter",),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    kind: str
    gold: str | None
    ranked: tuple[str, ...]
    scores: tuple[float, ...]
    decision: Decision
    text: str

    @property
    def top1(self) -> bool:
        return bool(self.ranked) and self.ranked[0] == self.gold

    @property
    def rr(self) -> float:
        return 1.0 / (self.ranked.index(self.gold) + 1) if self.gold in self.ranked[:5] else 0.0

    @property
    def replied(self) -> bool:
        return self.decision is Decision.REPLY

    @property
    def reply_right(self) -> bool:
        return self.replied and self.top1


def run(matcher: ClaimMatcher, lines: Sequence[dict[str, object]]) -> list[Outcome]:
    outcomes = []
    for line in lines:
        result = matcher.match(str(line["text"]), 5)
        outcomes.append(
            Outcome(
                str(line["id"]),
                str(line["kind"]),
                line["claim_id"] if isinstance(line.get("claim_id"), str) else None,
                tuple(c.claim_id for c in result.candidates),
                tuple(c.score for c in result.candidates),
                result.decision,
                str(line["text"]),
            )
        )
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> dict[str, float | int]:
    labelled = [o for o in outcomes if o.gold]
    unlabelled = [o for o in outcomes if not o.gold]
    replies = [o for o in outcomes if o.replied]
    return {
        "n": len(outcomes),
        "labelled": len(labelled),
        "top1": mean([float(o.top1) for o in labelled]),
        "mrr5": mean([o.rr for o in labelled]),
        "replies": len(replies),
        "precision": mean([float(o.reply_right) for o in replies]) if replies else float("nan"),
        "recall": mean([float(o.reply_right) for o in labelled]),
        "false_reply": mean([float(o.replied) for o in unlabelled]),
        "unlabelled": len(unlabelled),
    }


def ci(values: Sequence[float]) -> str:
    low, high = bootstrap_ci(values)
    return f"[{low:.3f}, {high:.3f}]"


def report(outcomes: Sequence[Outcome], thresholds: Thresholds, name: str = "nato-dev") -> None:
    labelled = [o for o in outcomes if o.gold]
    unlabelled = [o for o in outcomes if not o.gold]
    replies = [o for o in outcomes if o.replied]
    s = summary(outcomes)
    print(f"{name}: {s['n']} lines ({s['labelled']} labelled, {s['unlabelled']} unlabelled)")
    print(
        f"thresholds: reply {thresholds.reply}, suggest {thresholds.suggest}, margin {thresholds.reply_margin}, "
        f"min words {thresholds.min_reply_words}, stance penalty {thresholds.stance_penalty}, "
        f"unanchored {thresholds.unanchored_reply}, min lead {thresholds.min_lead}"
    )
    print(f"machine: {machine()}")
    print(f"top-1 accuracy   {s['top1']:.3f} {ci([float(o.top1) for o in labelled])}")
    print(f"MRR@5            {s['mrr5']:.3f} {ci([o.rr for o in labelled])}")
    print(
        f"reply precision  {s['precision']:.3f} {ci([float(o.reply_right) for o in replies])}  "
        f"({sum(o.reply_right for o in replies)}/{len(replies)} replies)"
    )
    print(f"reply recall     {s['recall']:.3f} {ci([float(o.reply_right) for o in labelled])}")
    print(
        f"false-reply rate {s['false_reply']:.3f} {ci([float(o.replied) for o in unlabelled])}  "
        f"({sum(o.replied for o in unlabelled)}/{len(unlabelled)} unlabelled lines)"
    )
    negation = [o for o in outcomes if o.kind == "negation"]
    right = sum(o.top1 for o in negation)
    print(f"negation ranked right {right}/{len(negation)} = {right / max(len(negation), 1):.3f}")
    print()
    widths = {"lines": 5, "top-1": 6, "MRR@5": 6, "replies": 7, "right": 5, "recall": 6, "false": 6, "suggest": 7}
    print(f"{'kind':<14} " + " ".join(f"{h:>{w}}" for h, w in widths.items()))
    for group, kinds in GROUPS.items():
        part = [o for o in outcomes if o.kind in kinds]
        lab = [o for o in part if o.gold]
        print(
            f"{group:<14} {len(part):>5} "
            + (
                f"{mean([float(o.top1) for o in lab]):>6.3f} {mean([o.rr for o in lab]):>6.3f} "
                if lab
                else f"{'-':>6} {'-':>6} "
            )
            + f"{sum(o.replied for o in part):>7} {sum(o.reply_right for o in part):>5} "
            + (f"{mean([float(o.reply_right) for o in lab]):>6.3f} " if lab else f"{'-':>6} ")
            + (f"{mean([float(o.replied) for o in part]):>6.3f} " if not lab else f"{'-':>6} ")
            + f"{sum(o.decision is Decision.SUGGEST for o in part):>7}"
        )


def show(outcomes: Sequence[Outcome], which: str) -> None:
    print()
    for o in sorted(outcomes, key=lambda o: (o.kind, o.id)):
        wrong = (o.gold and not o.top1) or (o.replied and not o.reply_right) or (o.gold and not o.replied)
        if which == "all" or wrong:
            mark = "OK " if o.top1 else ("-- " if o.gold is None else "XX ")
            top = ", ".join(f"{c}:{s:.3f}" for c, s in zip(o.ranked[:3], o.scores[:3], strict=False))
            print(f"{mark}{o.id} {o.kind:<13} gold={o.gold} {o.decision.value:<7} {top}\n      {o.text[:160]}")


def choose_thresholds(matcher: ClaimMatcher, lines: Sequence[dict[str, object]], clef: Path) -> None:
    """Sweep the reply and suggest thresholds and apply the rules stated in benchmarks/README.md.

    reply: the lowest threshold (in steps of 0.01) at which unprompted replies on the dev set have precision
    >= 0.97 with no reply on any unlabelled line, and at most one of the CLEF-2020 train and dev tweets gets
    one; plus 0.01, so that no dev line sits on the edge. suggest: the lowest threshold (in steps of 0.05) at
    which the top claim is the labelled one for at least 85 % of the dev lines scoring that high.
    """
    base = matcher.thresholds
    dev = [(line, matcher.rank(str(line["text"]), 5)) for line in lines]
    tweets = [q.text for split in ("train", "dev") for q in read_clef_queries(clef, split, labelled_only=False)]
    others = [matcher.rank(text, 5) for text in tweets]
    labelled = sum(1 for line, _ in dev if line["claim_id"])
    print(f"\nreply threshold sweep (margin {base.reply_margin}, min words {base.min_reply_words}):")
    print(f"{'reply':>6} {'precision':>9} {'recall':>6} {'false':>5} {'CLEF tweets':>11}")
    chosen = None
    for step in range(20, 81):
        value = step / 100
        judge = ClaimMatcher([], replace(base, reply=value, suggest=min(base.suggest, value)))
        replies = [(line, ranked) for line, ranked in dev if judge.decide(ranked) is Decision.REPLY]
        right = sum(1 for line, ranked in replies if ranked[0].claim_id == line["claim_id"])
        false = sum(1 for line, _ in replies if not line["claim_id"])
        tweet_replies = sum(1 for ranked in others if judge.decide(ranked) is Decision.REPLY)
        precision = right / len(replies) if replies else 1.0
        if chosen is None and precision >= 0.97 and false == 0 and tweet_replies <= 1:
            chosen = round(value + 0.01, 2)
        if step % 2 == 0 or 40 <= step <= 50:
            print(f"{value:>6.2f} {precision:>9.3f} {right / labelled:>6.3f} {false:>5} {tweet_replies:>11}")
    print(f"\n{'suggest':>7} {'top-1 precision':>15} {'labelled':>8} {'unlabelled':>10} {'CLEF tweets':>11}")
    suggest = None
    for step in range(1, 11):
        value = step * 0.05
        shown = [(line, ranked) for line, ranked in dev if ranked and ranked[0].score >= value]
        right = sum(1 for line, ranked in shown if ranked[0].claim_id == line["claim_id"])
        precision = right / len(shown) if shown else 1.0
        if suggest is None and precision >= 0.85:
            suggest = round(value, 2)
        unlabelled = sum(1 for line, _ in shown if not line["claim_id"])
        tweet_hits = sum(1 for ranked in others if ranked and ranked[0].score >= value)
        print(f"{value:>7.2f} {precision:>15.3f} {right:>8} {unlabelled:>10} {tweet_hits:>11}")
    unanchored = choose_unanchored(matcher, dev, labelled)
    print(
        f"\nchosen by the rules: reply {chosen}, suggest {suggest}, unanchored {unanchored} "
        f"(configured: {base.reply}, {base.suggest}, {base.unanchored_reply})"
    )


def choose_unanchored(
    matcher: ClaimMatcher, dev: Sequence[tuple[dict[str, object], list[Candidate]]], labelled: int
) -> float | None:
    """unanchored_reply: the lowest threshold (steps of 0.01, from `reply` up) at which no line of the project's
    hard-negative dev set gets an unprompted reply, plus 0.01 so that none sits on the edge."""
    base = matcher.thresholds
    negatives = [matcher.rank(str(line["text"]), 5) for line in read_jsonl(HARD_NEGATIVES_DEV)]
    print(f"\n{'unanchored':>10} {'hard negatives replied':>22} {'dev recall':>10} {'dev precision':>13}")
    chosen = None
    for step in range(round(base.reply * 100), 81):
        judge = ClaimMatcher([], replace(base, unanchored_reply=step / 100))
        replied = sum(1 for ranked in negatives if judge.decide(ranked) is Decision.REPLY)
        replies = [(line, ranked) for line, ranked in dev if judge.decide(ranked) is Decision.REPLY]
        right = sum(1 for line, ranked in replies if ranked[0].claim_id == line["claim_id"])
        precision = right / len(replies) if replies else 1.0
        if chosen is None and replied == 0:
            chosen = round(step / 100 + 0.01, 2)
        if step % 2 == 0 or (replied == 0 and chosen == round(step / 100 + 0.01, 2)):
            print(f"{step / 100:>10.2f} {replied:>22} {right / labelled:>10.3f} {precision:>13.3f}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_NATO)
    parser.add_argument("--catalogue", type=Path, default=CLAIMS_DIR)
    parser.add_argument("--show", choices=["errors", "all"], default=None)
    parser.add_argument(
        "--choose-thresholds",
        type=Path,
        nargs="?",
        const=DEFAULT_CLEF,
        default=None,
        metavar="CLEF2020",
        help="also sweep the thresholds and apply the selection rules (uses the CLEF train and dev tweets)",
    )
    add_semantic_arguments(parser)
    args = parser.parse_args(argv)
    thresholds = Thresholds()
    semantic = semantic_reranker(args)
    matcher = ClaimMatcher(load_claims(args.catalogue), thresholds, semantic)
    lines = read_jsonl(args.data)
    outcomes = run(matcher, lines)
    report(outcomes, thresholds, args.data.stem)
    print(describe_semantic(semantic, args.semantic))
    if args.show:
        show(outcomes, args.show)
    if args.choose_thresholds:
        choose_thresholds(matcher, lines, args.choose_thresholds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
