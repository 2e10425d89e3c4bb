"""OAuth states are consumed once, by one write, on both databases, even while other writes go on."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.adapters.slack.installations import installation_stores


async def test_a_state_is_consumed_once_even_by_concurrent_redirects(database):
    _, states = await installation_stores("client-id", database)
    state = await states.async_issue()
    results = await asyncio.gather(*(states.async_consume(state) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    assert await states.async_consume("made-up") is False


async def test_an_expired_state_is_refused(database):
    _, states = await installation_stores("client-id", database)
    states.expiration_seconds = -1
    assert await states.async_consume(await states.async_issue()) is False


async def test_a_state_is_consumed_while_the_database_is_busy_with_other_writes(database):
    # Bolt's own consume read, then deleted: on SQLite that upgrade fails at once when another connection wrote
    # in between, and the install was refused as "invalid state". Every consume here must succeed.
    _, states = await installation_stores("client-id", database)
    async with database.transaction() as connection:
        await connection.execute(text("CREATE TABLE busy (n INTEGER)"))
    stop = asyncio.Event()

    async def write_constantly() -> None:
        n = 0
        while not stop.is_set():
            async with database.transaction() as connection:
                await connection.execute(text("INSERT INTO busy (n) VALUES (:n)"), {"n": n})
            n += 1
            await asyncio.sleep(0)

    writers = [asyncio.create_task(write_constantly()) for _ in range(3)]
    try:
        issued = [await states.async_issue() for _ in range(30)]
        consumed = await asyncio.gather(*(states.async_consume(s) for s in issued))
    finally:
        stop.set()
        await asyncio.gather(*writers)
    assert consumed == [True] * 30
