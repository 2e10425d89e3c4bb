"""A seeded run of the fuzz benchmark: hostile chat through the core and both renderers pings nobody, shows no link
it did not build, stays within both platforms' limits and never fails (benchmarks/fuzz.py runs 12,000 events)."""

from __future__ import annotations

import pytest

from benchmarks.fuzz import DISCORD_LINK, DISCORD_PINGS, SLACK_LINK, SLACK_PINGS, inspect, outside_code, run
from bot.domain.models import Reply, ReplyKind


@pytest.mark.parametrize("seed", [1, 2])
async def test_hostile_chat_pings_nobody_links_nothing_and_never_fails(seed):
    found, rendered, _ = await run(400, seed)
    assert rendered > 250
    assert {name: count for name, count in found.items() if count} == {}


def test_the_counters_see_pings_and_live_links_that_escaping_would_have_to_stop():
    assert DISCORD_LINK.findall(outside_code("see [this](https://evil.example) `[not](https://code)`")) == [
        "https://evil.example"
    ]
    assert DISCORD_PINGS.findall("@everyone <@123456789012345678>") and SLACK_PINGS.findall("<!channel> <@U1ABC>")
    assert SLACK_LINK.findall("<https://evil.example|label>") == ["https://evil.example"]
    # The same text, once factbot renders it, is inert.
    rendered = inspect(Reply(kind=ReplyKind.INFO, text="@everyone <!channel> [x](https://evil.example)"), set())
    assert not any(rendered.values())
