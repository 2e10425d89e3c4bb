"""Throw-away PostgreSQL databases next to an admin URL: one per test, or per benchmark run."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.db import normalise_url


async def create_scratch_database(admin_url: str, prefix: str = "factbot_test") -> str:
    """A new, empty database on ADMIN_URL's server; returns its URL."""
    admin = normalise_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


async def drop_scratch_database(admin_url: str, url: str) -> None:
    """Drop a database made by `create_scratch_database`, closing whatever connections are left on it."""
    engine = create_async_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        await engine.dispose()
