"""Sharding in one process: which shards run, which servers they hear, IDENTIFY pacing, and shard settings."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.adapters.discord.runner import EXIT_CONFIG, run, with_shards
from bot.adapters.discord.settings import DiscordSettings
from bot.app import open_services
from bot.cli import build_parser, cmd_run
from tests.adapters.discord.conftest import replies_to, settle, wait_reply
from tests.fakes import fake_discord as fd

STAGED = "the 1969 moon landing was staged in a film studio"


def answered_on(caplog) -> dict[int, int]:
    """Message id -> the shard whose session delivered it, from the "answered" log lines."""
    return {r.message_id: r.shard_id for r in caplog.records if r.getMessage() == "answered"}


def test_the_fakes_servers_land_on_the_shards_they_are_made_for():
    for count in (1, 2, 4, 16):
        for shard in range(count):
            assert fd.shard_of(fd.guild_on_shard(shard, count, index=3), count) == shard
    assert fd.shard_of(fd.GUILD_ID, 4) == 0 and fd.shard_of(None, 4) == 0


async def test_a_process_runs_its_shards_and_hears_only_their_servers(start_bot, fake, caplog):
    caplog.set_level(logging.INFO, logger="bot.adapters.discord")
    servers = {shard: fd.guild_on_shard(shard, 4) for shard in (1, 2, 3)} | {0: fd.GUILD_ID}
    for shard in (1, 2, 3):
        fake.add_guild(servers[shard])
    low = await start_bot(shard_ids=[0, 1], shard_count=4)
    high = await start_bot(shard_ids=[2, 3], shard_count=4)
    assert [i["shard"] for i in fake.identifies] == [[0, 4], [1, 4], [2, 4], [3, 4]]
    assert sorted(g.id for g in low.guilds) == sorted([servers[0], servers[1]])
    assert sorted(g.id for g in high.guilds) == sorted([servers[2], servers[3]])
    asked = {shard: await fake.send_message(f"<@{fd.BOT_ID}> {STAGED}", guild_id=servers[shard]) for shard in range(4)}
    direct = await fake.send_message(f"{STAGED} (a direct message)", channel=fd.DM_CHANNEL, in_guild=False)
    for message in [*asked.values(), direct]:
        await wait_reply(fake, message)
    await settle(low, fake)
    await high.inflight.wait_idle(5)
    assert [len(replies_to(fake, m)) for m in [*asked.values(), direct]] == [1] * 5
    delivered = answered_on(caplog)
    assert {shard: delivered[int(m["id"])] for shard, m in asked.items()} == {0: 0, 1: 1, 2: 2, 3: 3}
    assert delivered[int(direct["id"])] == 0  # messages outside servers arrive on shard 0
    assert replies_to(fake, asked[2])[0].path == f"{fd.API}/channels/{fd.general_of(servers[2])}/messages"


async def test_without_shard_settings_one_process_runs_every_shard_discord_recommends(start_bot, fake):
    fake.recommended_shards = 3
    client = await start_bot()
    assert [i["shard"] for i in fake.identifies] == [[0, 3], [1, 3], [2, 3]]
    assert client.shard_count == 3 and sorted(client.shards) == [0, 1, 2]
    assert len(fake.sent(r"/gateway/bot", method="GET")) == 1


@pytest.mark.parametrize("env_overrides", [{"DISCORD_IDENTIFY_WINDOW_SECONDS": "0.3"}])
async def test_identifies_wait_a_window_per_bucket_and_buckets_go_together(start_bot, fake):
    fake.max_concurrency, fake.identify_window = 2, 0.3  # the fake records any IDENTIFY that comes too early
    await start_bot(shard_ids=[0, 1, 2, 3], shard_count=4)
    at = dict(zip([i["shard"][0] for i in fake.identifies], fake.identified_at, strict=True))
    assert at[1] - at[0] < 0.3  # another bucket: no waiting
    assert at[2] - at[0] >= 0.3 and at[3] - at[1] >= 0.3
    assert fake.violations == []


async def test_two_processes_on_one_shard_handle_each_interaction_once(start_bot, fake, services, caplog):
    """DC-2 for commands and buttons: without the claim, both would run the core (two reports, two votes)."""
    caplog.set_level(logging.INFO, logger="bot.adapters.discord")
    first, second = await start_bot(), await start_bot()
    command = fd.interaction(fd.command("factcheck", text=STAGED))
    await fake.dispatch("INTERACTION_CREATE", command)  # both sessions are on shard 0: both receive it
    [answer] = await fake.wait_for(lambda: fake.callbacks(int(command["id"])))
    message = answer.response
    [helpful] = [b["custom_id"] for row in message["components"] for b in row["components"] if b["label"] == "Helpful"]
    press = fd.button_press(helpful, message, by=fd.MODERATOR)
    await fake.dispatch("INTERACTION_CREATE", press)
    await fake.wait_for(lambda: fake.callbacks(int(press["id"])))
    await settle(first, fake)
    await second.inflight.wait_idle(5)
    await fake.wait_for(
        lambda: sum(r.getMessage() == "duplicate interaction ignored" for r in caplog.records) == 2
    )  # the other process saw both and stood back
    assert [r.status for r in fake.callbacks(int(command["id"]))] == [200]
    assert [r.status for r in fake.callbacks(int(press["id"]))] == [200]
    assert services.dispatcher.metrics.counters["duplicates_dropped"] >= 2


def test_shard_settings_read_ranges_and_refuse_what_cannot_run():
    assert DiscordSettings(shard_ids="0-3,8, 10-11", shard_count=16).shard_ids == [0, 1, 2, 3, 8, 10, 11]
    assert DiscordSettings(shard_ids=[3, "0-1"], shard_count=4).shard_ids == [0, 1, 3]  # TOML may hold a list
    assert DiscordSettings().shard_ids == [] and DiscordSettings().shard_count == 0
    for ids, count, problem in [
        ("0-3", 0, "need the total shard count"),
        ("2-4", 4, "not below the shard count"),
        ("3-1", 4, "from low to high"),
        ("one", 4, "not a shard id"),
    ]:
        with pytest.raises(ValidationError, match=problem):
            DiscordSettings(shard_ids=ids, shard_count=count)


def test_command_line_shards_override_the_settings():
    configured = DiscordSettings(shard_ids="0-7", shard_count=16)
    assert with_shards(configured, None, None).shard_ids == list(range(8))
    chosen = with_shards(configured, "8-15", None)
    assert (chosen.shard_ids, chosen.shard_count) == (list(range(8, 16)), 16)
    assert with_shards(DiscordSettings(), None, 4).shard_ids == []  # all four in this process
    with pytest.raises(ValueError, match="not below"):
        with_shards(configured, "16", None)


async def test_impossible_shards_stop_start_up_with_the_reason(settings, caplog):
    assert await run(settings, open_services, shard_ids="4-5", shard_count=4) == EXIT_CONFIG
    assert any("not below the shard count 4" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


async def test_the_run_command_passes_shard_options_to_discord_only(settings):
    args = build_parser().parse_args(["run", "discord", "--shards", "0-1", "--shard-count", "4"])
    assert (args.shards, args.shard_count) == ("0-1", 4)
    assert await cmd_run(settings, build_parser().parse_args(["run", "discord", "--shards", "9"])) == EXIT_CONFIG
    with pytest.raises(SystemExit):  # argparse: `run slack` has no such option
        build_parser().parse_args(["run", "slack", "--shards", "0-1", "--shard-count", "2"])
