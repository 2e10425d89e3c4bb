"""Small parsers for command arguments: `id@version`, numbers, durations and periods."""

from __future__ import annotations

import datetime as dt
import re

from bot.catalogue.schema import check_id

_TARGET = re.compile(r"([^@\s]+)(?:@v?(\d{1,9}))?", re.IGNORECASE)
_DURATION = re.compile(r"(\d{1,6})\s*(s|sec|m|min|h|hr|hour|hours|d|day|days|w|week|weeks)", re.IGNORECASE)
_UNITS = {
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
MAX_MUTE = dt.timedelta(days=30)
MAX_PERIOD = dt.timedelta(days=3653)


class CommandError(Exception):
    """The arguments do not fit the command; the message says what to type instead."""


def parse_target(text: str) -> tuple[str, int | None]:
    """Read `claim-id` or `claim-id@7`: the version is the one the moderator saw, for conflict detection."""
    match = _TARGET.fullmatch(text.strip())
    if not match:
        raise CommandError(f"`{text.strip()[:80]}` is not a claim id (optionally followed by @VERSION).")
    try:
        claim_id = check_id(match.group(1).lower())
    except ValueError as exc:
        raise CommandError(f"Claim id {exc}") from None
    return claim_id, int(match.group(2)) if match.group(2) else None


def parse_duration(text: str) -> dt.timedelta:
    """Read durations such as 30m, 2h, 1d or 1w, up to 30 days."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise CommandError(f"`{text.strip()[:40]}` is not a duration; use e.g. 30m, 2h, 1d or off.")
    duration = dt.timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).lower()])
    if not dt.timedelta(0) < duration <= MAX_MUTE:
        raise CommandError("A mute lasts between one second and 30 days.")
    return duration


def parse_period(text: str) -> dt.timedelta | None:
    """Read a stats period such as 24h, 7d or 30d; `all` (None) means since the beginning."""
    text = text.strip().lower() or "7d"
    if text == "all":
        return None
    match = _DURATION.fullmatch(text)
    if not match:
        raise CommandError(f"`{text[:40]}` is not a period; use e.g. 24h, 7d, 30d or all.")
    period = dt.timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).lower()])
    if period > MAX_PERIOD:
        raise CommandError("A period is at most ten years; use `all` for everything.")
    return period


def parse_number(text: str, what: str) -> int:
    """Read a positive number such as a report or revision number (with or without #)."""
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise CommandError(f"`{text.strip()[:40]}` is not a {what} number.")
    return int(cleaned)
