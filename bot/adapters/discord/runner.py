"""`factbot run discord` and `factbot discord sync`: start-up checks, signals, exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator, Sequence

import discord

from bot.adapters.discord.access import intents_for, invite_url
from bot.adapters.discord.client import FactbotClient, silence_voice_warnings
from bot.adapters.discord.endpoints import Endpoints, redirected
from bot.adapters.discord.settings import DiscordSettings, discord_settings
from bot.adapters.discord.tree import build_tree
from bot.platforms import OpenServices
from bot.settings import Settings

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
NO_TOKEN = "DISCORD_TOKEN is not set: put the bot token from the Developer Portal in the environment"
INTENT_REFUSED = (
    "Discord refused the message-content intent (close code 4014). Either enable it in the Developer Portal "
    "(your application -> Bot -> Privileged Gateway Intents -> Message Content; verified bots in 100+ servers "
    "need Discord's approval), or set DISCORD_WATCH_CHANNELS=false to answer only mentions and commands."
)


def announce_mode(settings: Settings) -> None:
    """Say at start-up which intents factbot asks for, and why; warn about settings that cannot take effect."""
    discord_channels = [c for c in settings.policy.watched_channels if c.startswith("discord:")]
    if discord_settings(settings).watch_channels:
        log.info(
            "watch mode is on: requesting the privileged MESSAGE_CONTENT intent. Enable it in the Developer Portal "
            "(Bot -> Privileged Gateway Intents); bots in 100 or more servers need Discord's approval for it.",
            extra={"watched_channels": ",".join(discord_channels) or "(none configured; /mod watch on adds some)"},
        )
    else:
        log.info(
            "watch mode is off: no privileged intent requested; factbot answers mentions, DMs, /factcheck, "
            "/claim and the message menu"
        )
        if discord_channels:
            log.warning(
                "POLICY_WATCHED_CHANNELS names Discord channels but DISCORD_WATCH_CHANNELS is false: factbot will "
                "not reply unprompted on Discord (Discord hides message text without the message-content intent)",
                extra={"watched_channels": ",".join(discord_channels)},
            )


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM (what Procfile hosts send) and SIGINT set `stop`; the previous handlers come back afterwards."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def serve(client: FactbotClient, token: str, *, grace: float, stop: asyncio.Event) -> int:
    """Run the client until it fails or `stop` is set; then finish the replies in progress and disconnect."""
    async with client:
        session = asyncio.create_task(client.start(token), name="discord-session")
        stopping = asyncio.create_task(stop.wait(), name="discord-stop")
        await asyncio.wait({session, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            log.info("stopping: finishing replies in progress", extra={"in_flight": client.inflight.count})
            if not await client.drain(grace):
                log.warning("stopping with replies unfinished", extra={"in_flight": client.inflight.count})
            await client.close()
        else:
            stopping.cancel()
        try:
            await session
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            # close() stopped a shard that was still waiting for its IDENTIFY turn: a normal stop.
        except discord.PrivilegedIntentsRequired:
            log.error(INTENT_REFUSED)
            return EXIT_CONFIG
        except discord.LoginFailure:
            log.error("Discord rejected DISCORD_TOKEN (401): reset the token in the Developer Portal")
            return EXIT_CONFIG
        except Exception:
            log.exception("the Discord session ended with an error")
            return EXIT_FAILED
    if client.token_rejected:
        return EXIT_CONFIG
    log.info("discord health: stopped", extra={"health": "stopped"})
    return EXIT_OK


def with_shards(
    settings: DiscordSettings, shard_ids: str | Sequence[int] | None, shard_count: int | None
) -> DiscordSettings:
    """The Discord settings with `--shards` / `--shard-count` applied; ValueError says what is wrong."""
    ids = settings.shard_ids if shard_ids is None else DiscordSettings.parse_shard_ids(shard_ids)
    count = settings.shard_count if shard_count is None else shard_count
    if count < 0:
        raise ValueError("the shard count cannot be negative")
    problem = DiscordSettings.shard_problem(ids, count)
    if problem:
        raise ValueError(problem)
    return settings.model_copy(update={"shard_ids": ids, "shard_count": count})


async def run(
    settings: Settings,
    open_services: OpenServices,
    *,
    shard_ids: str | Sequence[int] | None = None,
    shard_count: int | None = None,
) -> int:
    """`factbot run discord [--shards 0-3 --shard-count 16]`: answer on Discord until SIGTERM."""
    token = discord_settings(settings).token
    if token is None or not token.get_secret_value().strip():
        log.error(NO_TOKEN)
        return EXIT_CONFIG
    try:
        shards = with_shards(discord_settings(settings), shard_ids, shard_count)
    except ValueError as exc:
        log.error(f"bad shard settings: {exc}")
        return EXIT_CONFIG
    announce_mode(settings)
    stop = asyncio.Event()
    with stop_on_signals(stop), redirected(Endpoints.from_settings(shards)):
        async with open_services(settings) as services, services.background(), services.ops_server():
            client = FactbotClient(services.dispatcher, shards, identify_lock=services.shared_lock())
            try:
                return await serve(
                    client, token.get_secret_value().strip(), grace=shards.shutdown_grace_seconds, stop=stop
                )
            finally:
                log.info("final metrics", extra={**services.dispatcher.metrics.snapshot(), "pid": os.getpid()})


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """`factbot discord sync [--guild ID]`: register the commands with Discord, a deliberate step.

    Global commands take a while to appear everywhere and Discord limits how many can be created per day;
    a guild sync is immediate, for trying changes in a test server.
    """
    section = discord_settings(settings)
    token = section.token
    if token is None or not token.get_secret_value().strip():
        log.error(NO_TOKEN)
        return EXIT_CONFIG
    with redirected(Endpoints.from_settings(section)):
        silence_voice_warnings()
        client = discord.Client(intents=intents_for(section))  # never connects; only REST is used
        tree = build_tree(client)
        guild = discord.Object(guild_id) if guild_id is not None else None
        async with client:
            try:
                await client.login(token.get_secret_value().strip())
                if guild is not None:
                    tree.copy_global_to(guild=guild)
                synced = await tree.sync(guild=guild)
            except discord.LoginFailure:
                log.error("Discord rejected DISCORD_TOKEN (401): reset the token in the Developer Portal")
                return EXIT_CONFIG
            except discord.Forbidden as exc:
                log.error(
                    "Discord refused the sync: is factbot in that server, invited with the "
                    "applications.commands scope?",
                    extra={"guild_id": guild_id, "code": exc.code},
                )
                return EXIT_FAILED
            application_id = client.application_id
    where = f"to server {guild_id}" if guild_id is not None else "globally (may take up to an hour to show)"
    print(f"Synced {len(synced)} commands {where}: {', '.join(sorted(c.name for c in synced))}")
    if application_id is not None:
        print(f"Invite link: {invite_url(application_id)}")
    return EXIT_OK
