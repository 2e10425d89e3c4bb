"""A seeded run of the fuzz benchmark: hostile chat through the core and both renderers pings nobody, shows no link
it did not build, stays within both platforms' limits and never fails (benchmarks/fuzz.py runs 12,000 events)."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks.fuzz import DISCORD_LINK, DISCORD_PINGS, SLACK_LINK, SLACK_PINGS, inspect, outside_code, run
from bot.core.trial import held_card
from bot.domain.models import HeldReply, HeldState, Origin, Reply, ReplyKind


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


def test_a_held_reply_card_shows_the_matched_text_inert_on_both_platforms():
    hostile = "@everyone <!channel> <@U1ABC> [x](https://evil.example) <https://evil.example|label> " * 5
    item = HeldReply(
        id=3,
        created_at=dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
        origin=Origin(platform="slack", channel_id="C1", workspace_id="T1", message_id="1.2"),
        claim_id="moon-landing-staged",
        score=0.9,
        matched_variant="x",
        window=hostile,
        candidates=(),
        state=HeldState.HELD,
    )
    card = held_card(item)
    assert len(card.text) < 600 and "@everyone" in card.text
    assert not any(inspect(card, set()).values())
