"""Claim rows to domain objects, free of SQLAlchemy, so the stores and the sqlite3 reader decode them alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.catalogue.schema import parse_claim
from bot.domain.models import StoredClaim
from bot.storage.time import as_utc


def stored_claim(
    data: Mapping[str, Any],
    *,
    version: int,
    updated_at: dt.datetime,
    updated_by: str,
    file_hash: str | None,
    content_hash: str,
) -> StoredClaim:
    """One `claims` row as the core sees it."""
    return StoredClaim(
        claim=parse_claim(dict(data)),
        version=version,
        updated_at=as_utc(updated_at),
        updated_by=updated_by,
        from_files=file_hash is not None,
        changed_since_import=file_hash is not None and file_hash != content_hash,
    )
