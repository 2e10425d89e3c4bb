"""Time for storage: always timezone-aware UTC, and injectable for tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything factbot stores is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
