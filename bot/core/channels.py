"""Moderators' channel switches: watch a channel (unprompted replies) or mute the bot there for a while."""

from __future__ import annotations

from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, info
from bot.core.errors import EditRefused
from bot.core.params import Args, Kind, Param
from bot.core.parsing import parse_duration
from bot.core.permissions import Authority
from bot.core.policy import ReplyPolicy
from bot.core.ports import ChannelSwitches
from bot.domain.models import Reply

WAITING_COUNTED = 100  # `watch status` counts a community's held replies up to this many
NO_DATABASE = "Channel switches need the database; this factbot runs from a YAML directory (--catalogue)."


def _switches(ctx: CommandContext) -> tuple[ChannelSwitches, ReplyPolicy]:
    if ctx.stores.channels is None or ctx.policy is None:
        raise EditRefused(NO_DATABASE)
    return ctx.stores.channels, ctx.policy


async def _status(ctx: CommandContext) -> str:
    _, policy = _switches(ctx)
    watched = await policy.is_watched(ctx.origin)
    muted = await policy.muted_until(ctx.origin)
    text = (
        "This channel is watched: factbot replies unprompted when it is very sure."
        if watched
        else ("This channel is not watched: factbot only answers when asked.")
    )
    if watched and await policy.in_trial(ctx.origin):
        text = (
            "This channel is on trial: each unprompted reply waits in `queue list` until a moderator of this "
            "community approves it."
        )
        if ctx.stores.held is not None:
            waiting = len(await ctx.stores.held.waiting(ctx.origin, limit=WAITING_COUNTED))
            text += f" Waiting in this community: {waiting}{'+' if waiting == WAITING_COUNTED else ''}."
    if muted:
        text += f" It is muted until {muted:%Y-%m-%d %H:%M} UTC."
    return text


async def watch(ctx: CommandContext, args: Args) -> list[Reply]:
    """`watch on|off|trial|status` for the channel the command is used in; trial holds replies for approval."""
    choice = args.text("mode") or "status"
    if choice != "status":
        channels, _ = _switches(ctx)
        await channels.set(ctx.origin, actor=ctx.actor, watched=choice != "off", trial=choice == "trial")
    return [info(await _status(ctx))]


async def mute(ctx: CommandContext, args: Args) -> list[Reply]:
    """`mute DURATION|off`: no unprompted replies in this channel for a while; asked questions still get answers."""
    choice = args.text("duration").lower()
    channels, _ = _switches(ctx)
    if choice == "off":
        await channels.set(ctx.origin, actor=ctx.actor, clear_mute=True)
    else:
        await channels.set(ctx.origin, actor=ctx.actor, muted_until=ctx.stores.clock() + parse_duration(choice))
    return [info(await _status(ctx))]


def register(registry: CommandRegistry) -> None:
    """Add the channel switches."""
    mode = Param(
        "mode", Kind.CHOICE, "on, off, trial or status", required=False, choices=("on", "off", "trial", "status")
    )
    registry.add(
        CommandSpec(
            "watch",
            "let factbot reply unprompted in this channel, or not",
            watch,
            (mode,),
            authority=Authority.COMMUNITY_MODERATOR,
        )
    )
    registry.add(
        CommandSpec(
            "mute",
            "pause unprompted replies in this channel",
            mute,
            (Param("duration", Kind.WORD, "30m, 2h, 1d (up to 30d), or off", max_length=10, label="DURATION|off"),),
            authority=Authority.COMMUNITY_MODERATOR,
        )
    )
