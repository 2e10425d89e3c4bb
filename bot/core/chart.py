"""Draw the stats as a PNG bar chart (matplotlib, off-screen), so moderators can see trends at a glance."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bot.domain.models import Stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_BARS = 15


def stats_chart(stats: Stats, title: str) -> bytes:
    """Replies per claim (unprompted and on request) and wrong-claim marks, as PNG bytes."""
    figure = stats_figure(stats, title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def stats_figure(stats: Stats, title: str) -> Figure:
    """The chart as a matplotlib figure, drawn off-screen."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    claims = list(stats.claims[:MAX_BARS])
    figure = Figure(figsize=(9, 1.6 + 0.42 * max(len(claims), 1)), dpi=110)
    axes = figure.add_subplot()
    labels = [c.claim_id for c in claims][::-1]
    unprompted = [c.unprompted for c in claims][::-1]
    explicit = [c.explicit for c in claims][::-1]
    wrong = [c.wrong_claim for c in claims][::-1]
    positions = range(len(claims))
    axes.barh(positions, unprompted, color="#4C72B0", label="unprompted replies")
    axes.barh(positions, explicit, left=unprompted, color="#8DA0CB", label="answers on request")
    marked = [(count, row) for count, row in zip(wrong, positions, strict=True) if count]
    if marked:  # a mark at zero on every row would read as "marked wrong"
        xs, ys = zip(*marked, strict=True)
        axes.scatter(xs, ys, color="#C44E52", marker="x", zorder=3, label="marked wrong claim")
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.set_xlabel("count")
    axes.set_title(title, fontsize=10)
    if not claims:
        axes.text(0.5, 0.5, "no replies in this period", transform=axes.transAxes, ha="center", va="center")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure
