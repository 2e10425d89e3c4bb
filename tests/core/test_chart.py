"""The stats chart: bars per claim, and a wrong-claim mark only where someone marked one."""

from __future__ import annotations

import datetime as dt

from bot.core.chart import stats_chart, stats_figure
from bot.domain.models import ClaimCount, Stats

NOW = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


def stats(*counts: ClaimCount) -> Stats:
    return Stats(None, NOW, counts, 0, 0, 0, {})


def marks(figure) -> list[tuple[float, float]]:
    [axes] = figure.axes
    return [tuple(point) for collection in axes.collections for point in collection.get_offsets()]


def test_no_wrong_claim_mark_is_drawn_where_nobody_marked_one():
    figure = stats_figure(
        stats(ClaimCount("a", 3, 1), ClaimCount("b", 0, 2, wrong_claim=2), ClaimCount("c", 1, 0)), "t"
    )
    assert marks(figure) == [(2.0, 1.0)], "one mark, on b's row (rows are drawn bottom-up)"
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "marked wrong claim" in labels


def test_without_any_mark_the_legend_does_not_promise_one():
    figure = stats_figure(stats(ClaimCount("a", 3, 1)), "t")
    assert marks(figure) == []
    assert "marked wrong claim" not in [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert stats_chart(stats(), "empty").startswith(b"\x89PNG")
