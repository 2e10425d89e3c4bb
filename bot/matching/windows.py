"""Windows over long messages, so that a claim stated in one sentence of a long chatty message is not drowned
out, and words scattered over a long text cannot add up to a claim that no part of it states.

Windows are runs of consecutive content words (after stop-words are dropped), not sentences: chat often has
no punctuation, and pasted posts run into each other. Measured on CLEF-2020 tweets buried among other tweets,
windows of 20 words every 5 words rank better than runs of one to three sentences (benchmarks/README.md).
"""

from __future__ import annotations


def term_windows(count: int, size: int, stride: int, max_windows: int) -> list[tuple[int, int]]:
    """Overlapping ranges [start, end) of `size` terms over `count` terms, `stride` apart, covering every term.

    When `max_windows` windows of that stride cannot reach the end, the stride grows so that they do (and the
    windows grow with it, so that none is skipped): the work stays bounded and every term is in some window.
    """
    if count <= size:
        return [(0, count)] if count else []
    stride = max(stride, -(-(count - size) // max(max_windows - 1, 1)))
    size = max(size, stride)
    starts = list(range(0, count - size + 1, stride))
    if starts[-1] != count - size:
        starts.append(count - size)
    return [(start, start + size) for start in starts[:max_windows]]
