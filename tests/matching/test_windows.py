"""Windows over long messages: every word is covered and the number of windows is bounded."""

from __future__ import annotations

import pytest

from bot.matching.windows import term_windows


@pytest.mark.parametrize(
    ("count", "size", "stride", "limit", "expected"),
    [
        (0, 20, 5, 64, []),
        (7, 20, 5, 64, [(0, 7)]),
        (20, 20, 5, 64, [(0, 20)]),
        (27, 20, 5, 64, [(0, 20), (5, 25), (7, 27)]),  # the last window is pulled back to end on the last term
        (100, 20, 40, 64, [(0, 40), (40, 80), (60, 100)]),  # a stride wider than the window widens the window
    ],
)
def test_term_windows(count: int, size: int, stride: int, limit: int, expected: list[tuple[int, int]]) -> None:
    assert term_windows(count, size, stride, limit) == expected


@pytest.mark.parametrize("count", [21, 64, 333, 1000, 50_000])
def test_term_windows_cover_every_term_within_the_limit(count: int) -> None:
    windows = term_windows(count, 20, 5, 64)
    assert 1 <= len(windows) <= 64
    covered = set()
    for start, end in windows:
        assert 0 <= start < end <= count
        covered.update(range(start, end))
    assert covered == set(range(count))
