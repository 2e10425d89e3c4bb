"""The reply policy on its own: watched channels, minimum length, cooldown keys."""

from __future__ import annotations

import datetime as dt

from bot.core.memory import MemoryKeyStore
from bot.core.policy import PolicyConfig, ReplyPolicy
from bot.domain.models import Origin
from tests.fakes.fake_adapter import make_actor


def policy(watched: set[str], clock=None) -> ReplyPolicy:
    keys = MemoryKeyStore(clock=clock) if clock else MemoryKeyStore()
    return ReplyPolicy(
        PolicyConfig(min_length=10, cooldown=dt.timedelta(minutes=5), watched_channels=frozenset(watched)), keys
    )


async def test_channel_can_be_watched_by_channel_by_workspace_or_whole_platform():
    origin = Origin(platform="slack", channel_id="C1", workspace_id="T1")
    assert await policy({"slack:C1"}).is_watched(origin)
    assert await policy({"slack:T1:C1"}).is_watched(origin)
    assert await policy({"slack:*"}).is_watched(origin)
    assert not await policy({"slack:T2:C1", "discord:C1", "slack:C2"}).is_watched(origin)


async def test_may_consider_requires_a_human_in_a_watched_channel_and_enough_text():
    p = policy({"fake:c1"})
    origin = Origin(platform="fake", channel_id="c1")
    assert await p.may_consider(make_actor(), origin, "long enough text here")
    assert not await p.may_consider(make_actor(), origin, "  short   ")
    assert not await p.may_consider(make_actor(bot=True), origin, "long enough text here")
    assert not await p.may_consider(make_actor(), Origin(platform="fake", channel_id="c9"), "long enough text here")


async def test_cooldown_is_per_channel_and_claim_and_expires(clock):
    p = policy({"fake:c1"}, clock)
    c1 = Origin(platform="fake", channel_id="c1", workspace_id="w")
    c2 = Origin(platform="fake", channel_id="c2", workspace_id="w")
    assert await p.take_cooldown(c1, "a")
    assert not await p.take_cooldown(c1, "a")
    assert await p.take_cooldown(c1, "b")
    assert await p.take_cooldown(c2, "a")
    clock.advance(minutes=5, seconds=1)
    assert await p.take_cooldown(c1, "a")
