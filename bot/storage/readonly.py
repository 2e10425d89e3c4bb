"""The catalogue read from a SQLite database with the standard library alone, for one-shot commands.

`factbot check` only reads claims, and importing SQLAlchemy to do so cost more than the rest of its start-up. This
reader answers only when that is safe and otherwise returns None, so the caller opens the database the full way:
the file must exist, its schema must already be at the newest migration (an older one is migrated by the full
way), the catalogue must not be empty (an empty one is imported first), and the community asking must have no
hidden or own claims (the full stores apply those). tests/storage/test_readonly.py holds it to SqlClaimStore.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.domain.models import StoredClaim
from bot.storage.migrations import HEAD_REVISION
from bot.storage.rows import stored_claim

log = logging.getLogger(__name__)

# Only the plain form, a path with no query or escapes; anything else is left to SQLAlchemy's URL parser.
_SQLITE_URL = re.compile(r"sqlite(?:\+aiosqlite)?:///(?P<path>[^?#%]+)")
BUSY_TIMEOUT_SECONDS = 10.0  # as bot.storage.db waits for a writer's lock


@dataclass(frozen=True, slots=True)
class ReadCatalogue:
    """A CatalogueSource holding what one read transaction saw; a one-shot command needs no later changes."""

    version: int
    claims: tuple[StoredClaim, ...]

    async def catalogue_version(self) -> int:
        """The catalogue version the claims were read at."""
        return self.version

    async def all(self) -> list[StoredClaim]:
        """Every claim, retired ones included, in id order."""
        return list(self.claims)


def sqlite_path(url: str) -> Path | None:
    """The file a plain sqlite:///PATH URL names, or None for any other URL (PostgreSQL, :memory:, options)."""
    found = _SQLITE_URL.fullmatch(url)
    if found is None or found["path"] == ":memory:":
        return None
    return Path(found["path"])  # as SQLAlchemy opens it: relative to the working directory, no ~ expansion


async def read_catalogue(url: str, community: tuple[str, str]) -> ReadCatalogue | None:
    """The catalogue as `community` (platform, workspace) sees it, or None when the full way must open the database."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    return await asyncio.to_thread(_read, path, community)


def _read(path: Path, community: tuple[str, str]) -> ReadCatalogue | None:
    try:
        # mode=rw: never create a file (the full way does, and says so); autocommit, with one explicit read
        # transaction so the version and the claims are one snapshot.
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
        )
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")
        return _at_head(connection, community)
    except Exception as exc:  # no version table yet, a bad row: the full way migrates, or reports it as always
        log.debug("reading without SQLAlchemy failed; opening the database fully", extra={"reason": repr(exc)})
        return None
    finally:
        connection.close()


def _at_head(connection: sqlite3.Connection, community: tuple[str, str]) -> ReadCatalogue | None:
    versions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    if versions != [HEAD_REVISION]:
        return None
    for table in ("community_hidden_claims", "community_claims"):
        query = f"SELECT 1 FROM {table} WHERE platform = ? AND workspace_id = ? LIMIT 1"
        if connection.execute(query, community).fetchone() is not None:
            return None
    rows = connection.execute(
        "SELECT data, version, updated_at, updated_by, file_hash, content_hash FROM claims ORDER BY id"
    ).fetchall()
    if not rows:
        return None
    meta = connection.execute("SELECT version FROM catalogue_meta WHERE id = 1").fetchone()
    claims = tuple(
        # Decoded as SQLAlchemy's SQLite JSON and DateTime types decode them: json.loads and fromisoformat.
        stored_claim(
            json.loads(data),
            version=version,
            updated_at=dt.datetime.fromisoformat(updated_at),
            updated_by=updated_by,
            file_hash=file_hash,
            content_hash=content_hash,
        )
        for data, version, updated_at, updated_by, file_hash, content_hash in rows
    )
    return ReadCatalogue(int(meta[0] or 0) if meta else 0, claims)
