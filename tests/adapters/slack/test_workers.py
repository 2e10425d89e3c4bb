"""Two factbot workers sharing one database (SQLite file or PostgreSQL) answer a redelivered event once (SL-3)."""

from __future__ import annotations

import asyncio

from tests.adapters.slack.conftest import STAGED, make_settings
from tests.fakes.fake_slack import channel_message, event_body, mention


async def test_event_delivered_four_times_across_two_workers_is_answered_once(fake_slack, start_bot, database_url):
    settings = make_settings(database_url, fake_slack, watch_channels=True)
    first, second = await start_bot(settings), await start_bot(settings)
    assert first.services.database is not second.services.database, "two engines, as two processes would have"
    body = event_body(mention(f"<@UBOT1> {STAGED}", ts="60.000100"), event_id="EvTwoWorkers")
    deliveries = [worker.send.event(body, retry=n) for n, worker in enumerate([first, second, first, second])]
    # The same message also arrives as a `message` event (different event id) on both workers.
    also = event_body(channel_message(f"<@UBOT1> {STAGED}", ts="60.000100"), event_id="EvTwoWorkersMessage")
    deliveries += [first.send.event(also), second.send.event(also, retry=1)]
    results = await asyncio.gather(*deliveries)
    await first.settle()
    await second.settle()
    assert {r.status for r in results} == {200}
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
