"""Discord as a factbot platform: its settings section, `run discord` options, `factbot discord sync`."""

from __future__ import annotations

import argparse

from bot.adapters.discord.settings import DiscordSettings
from bot.platforms import OpenServices, Platform
from bot.settings import Settings


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shards", metavar="IDS", help="the shard ids this process runs, e.g. 0-3 or 0,2,4-5")
    parser.add_argument("--shard-count", type=int, metavar="N", help="the bot's total number of shards")


async def _run(settings: Settings, args: argparse.Namespace, open_services: OpenServices) -> int:
    from bot.adapters.discord.runner import run

    return await run(settings, open_services, shard_ids=args.shards, shard_count=args.shard_count)


async def _sync(settings: Settings, args: argparse.Namespace, open_services: OpenServices) -> int:
    from bot.adapters.discord.runner import sync_commands

    return await sync_commands(settings, guild_id=args.guild)


def _tools(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    sync = actions.add_parser("sync", help="register the slash commands and the message menu with Discord")
    sync.add_argument("--guild", type=int, help="sync to one guild (instant) instead of globally")
    sync.set_defaults(platform_tool=_sync)


PLATFORM = Platform(
    name="discord",
    summary="Discord",
    extra="discord",
    library="discord",
    settings=DiscordSettings,
    run=_run,
    add_run_options=_run_options,
    add_tools=_tools,
)
