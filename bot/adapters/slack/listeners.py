"""Bolt listeners: acknowledge at once, deduplicate in the database, ask the core, render and send its replies."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import translate
from bot.adapters.slack.admins import WorkspaceAdmins
from bot.adapters.slack.interactions import Interactions, open_form, post_elsewhere, respond_all
from bot.adapters.slack.manifest import ADMIN_COMMAND, COMMAND, SHORTCUT_CALLBACK_ID
from bot.adapters.slack.modals import CALLBACK_ID, FormState, OpenForm, form_request
from bot.adapters.slack.recent import RecentKeys
from bot.adapters.slack.render import (
    ACTION_APPROVE,
    ACTION_EVIDENCE,
    ACTION_FEEDBACK,
    ACTION_REJECT,
    ACTION_REPORT,
    ACTION_SHARE,
    render,
)
from bot.adapters.slack.timing import database_call
from bot.adapters.slack.work import Work
from bot.core.dispatcher import Dispatcher, is_bare_mention
from bot.domain.models import CommandEvent, Event, Reply

log = logging.getLogger(__name__)

Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Deps:
    """What the listeners need: the core, the in-flight work tracker, the HTTP session, and whether to watch."""

    dispatcher: Dispatcher
    work: Work
    session: aiohttp.ClientSession
    watch_channels: bool


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach factbot's listeners to a Bolt app; there is no module-level app, so tests can build many."""
    app.use(alert_rate_limited)
    admins = WorkspaceAdmins(enabled=deps.dispatcher.access.trust_platform_admins)
    listeners = Listeners(deps, admins)
    app.use(listeners.once_per_trigger)
    app.event("app_mention")(listeners.on_mention)
    # Registered even when not watching, so a stray subscription is acknowledged instead of answered 404
    # (Slack retries failures and disables subscriptions that fail too often, app_mention included).
    app.event("message")(listeners.on_message)
    app.command(COMMAND)(listeners.on_factcheck)
    app.command(ADMIN_COMMAND)(listeners.on_admin)
    app.message_shortcut(SHORTCUT_CALLBACK_ID)(listeners.on_shortcut)
    interactions = Interactions(deps.dispatcher, deps.work, deps.session, admins)
    app.action(re.compile(f"^{re.escape(ACTION_FEEDBACK)}:"))(interactions.on_feedback)
    app.action(ACTION_SHARE)(interactions.on_share)
    app.action(ACTION_EVIDENCE)(interactions.on_show_evidence)
    app.action(ACTION_REPORT)(interactions.on_report)
    app.action(ACTION_APPROVE)(interactions.on_held)
    app.action(ACTION_REJECT)(interactions.on_held)
    app.view(CALLBACK_ID)(interactions.on_form_submitted)


async def alert_rate_limited(body: Body, next_: Callable[[], Awaitable[None]]) -> BoltResponse | None:
    """Slack's notice that it drops factbot's events (over 30,000 an hour per workspace) is logged as an error.

    It is not an event_callback, so no listener would match it and Bolt would answer 404.
    """
    if body.get("type") != "app_rate_limited":
        await next_()
        return None
    log.error(
        "Slack is dropping events for this workspace (app_rate_limited)",
        extra={"team": body.get("team_id"), "minute": body.get("minute_rate_limited")},
    )
    return BoltResponse(status=200, body="")


def register_installation_events(app: AsyncApp, work: Work) -> None:
    """Delete a workspace's installation when it removes factbot or revokes its token (Bolt's own handlers),
    tracked like other work so shutdown waits for them and failures are logged."""
    uninstalled = app.default_app_uninstalled_event_listener()
    revoked = app.default_tokens_revoked_event_listener()

    async def on_app_uninstalled(context: AsyncBoltContext) -> None:
        """The app was removed from a workspace: forget every token for it."""
        async with work.run("app_uninstalled", team=context.team_id):
            await uninstalled(context=context)
            log.info(
                "factbot was removed from a workspace; its installation is deleted", extra={"team": context.team_id}
            )

    async def on_tokens_revoked(event: Body, context: AsyncBoltContext) -> None:
        """A workspace revoked factbot's tokens: delete them."""
        async with work.run("tokens_revoked", team=context.team_id):
            await revoked(event=event, context=context)
            log.info("a workspace revoked factbot's tokens; they are deleted", extra={"team": context.team_id})

    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


# Channel messages (watch mode) are dropped unconsidered while this much acknowledged work is in flight.
SHED_UNPROMPTED_AT = 1000


class EveryMinute:
    """A warning logged at most once a minute, with how many times it was suppressed meanwhile."""

    def __init__(self, message: str) -> None:
        self.message = message
        self._last = float("-inf")
        self._suppressed = 0

    def warn(self, **fields: Any) -> None:
        now = time.monotonic()
        if now - self._last < 60.0:
            self._suppressed += 1
            return
        log.warning(self.message, extra={**fields, "suppressed": self._suppressed})
        self._last, self._suppressed = now, 0


class Listeners:
    """One method per kind of Slack request; each acknowledges first and does its work under `Work.run`."""

    def __init__(self, deps: Deps, admins: WorkspaceAdmins) -> None:
        self.dispatcher = deps.dispatcher
        self.admins = admins
        self.work = deps.work
        self.session = deps.session
        self.watch_channels = deps.watch_channels
        self.recent = RecentKeys()
        self._shed_log = EveryMinute("overloaded: not considering channel messages for unprompted replies")

    # Events: Bolt acknowledges them before calling the listener.

    async def on_mention(self, body: Body, event: Body, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """A mention: fact-check its text, or the thread's parent for a bare "check this", replying in the thread."""
        team = translate.event_team(body, event)
        channel = str(event.get("channel", ""))
        async with self.work.run("app_mention", team=team, channel=channel, event_id=body.get("event_id")):
            if translate.is_bot_message(event, bot_id=context.bot_id, bot_user_id=context.bot_user_id):
                return
            if not await self._first_delivery(body, event, team):
                return
            text = translate.without_mention(str(event.get("text", "")), context.bot_user_id)
            parent = None
            if translate.is_thread_reply(event) and is_bare_mention(text):
                parent = await thread_parent(client, channel, str(event["thread_ts"]))
            mention = translate.mention_event(body, event, bot_user_id=context.bot_user_id, parent_text=parent)
            mention = replace(mention, actor=await self.admins.elevate(client, mention.actor))
            await self._answer_in_thread(client, mention, event)

    async def on_message(self, body: Body, event: Body, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """A channel message: answered unprompted only in watch mode, and never if it mentions factbot."""
        if not self.watch_channels:
            return
        team = translate.event_team(body, event)
        if self.work.running >= SHED_UNPROMPTED_AT:
            # Acknowledged work is piling up (a flood): unprompted replies are the ones nobody asked for, so they
            # go first, and memory stays bounded; mentions and commands are still answered.
            self.dispatcher.metrics.incr("unprompted_shed")
            self._shed_log.warn(team=team, running=self.work.running)
            return
        async with self.work.run("message", team=team, channel=event.get("channel"), event_id=body.get("event_id")):
            if not translate.is_person_message(event):
                return
            if translate.is_bot_message(event, bot_id=context.bot_id, bot_user_id=context.bot_user_id):
                return
            if translate.mentions_user(str(event.get("text", "")), context.bot_user_id):
                return  # the app_mention event for the same message answers it
            if not await self._first_delivery(body, event, team):
                return
            message = translate.message_event(body, event, bot_user_id=context.bot_user_id)
            await self._answer_in_thread(client, message, event)

    async def _first_delivery(self, body: Body, event: Body, team: str) -> bool:
        """Claim the event id and the (channel, ts) of its message; False if another delivery got there first.

        Retries reuse the event id. One message can also arrive as app_mention and as message (two event
        ids), and in a Slack Connect channel once per workspace that installed factbot (two teams, one
        channel id), so the message key leaves the team out. The database decides between processes; keys this
        process already sent there are remembered, so a repeat reaching the same process costs no round trip.
        """
        event_id = body.get("event_id")
        channel, ts = event.get("channel"), event.get("ts")
        event_key = f"slack:event:{team}:{event_id}" if event_id else None
        message_key = f"slack:msg:{channel}:{ts}" if channel and ts else None
        keys = [key for key in (event_key, message_key) if key]
        if not self.recent.claim(keys):
            # This process already asked the database about this event or message: no need to ask again.
            self.dispatcher.metrics.incr("duplicates_dropped")
            log.info("repeated Slack event ignored", extra={"event_id": event_id, "team": team, "seen": "here"})
            return False
        try:
            with database_call():
                if event_key and not await self.dispatcher.first_time(event_key):
                    log.info("repeated Slack event ignored", extra={"event_id": event_id, "team": team})
                    return False
                if message_key and not await self.dispatcher.first_time(message_key):
                    log.info("message already answered", extra={"team": team, "channel": channel, "ts": ts})
                    return False
        except Exception:
            self.recent.forget(keys)  # the database could not say; a redelivery should ask it again
            raise
        return True

    async def once_per_trigger(self, body: Body, next_: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        """A command, shortcut, button press or form submission is handled once per trigger id.

        Slack gives each user action its own trigger id, so a captured signed request replayed within the
        signature's five minutes carries one already seen: it is acknowledged and has no second effect (no
        second report, vote or public share). Requests without one (events, deduplicated by event id) pass.
        """
        trigger = body.get("trigger_id")
        if not isinstance(trigger, str) or not trigger:
            await next_()
            return None
        team = translate.request_team(body)
        key = f"slack:trigger:{team}:{trigger[:100]}"
        if not self.recent.claim([key]):
            first = False
        else:
            try:
                with database_call():
                    first = await self.dispatcher.first_time(key)
            except Exception:
                self.recent.forget([key])  # the database could not say; Slack's retry should ask it again
                raise
        if not first:
            self.dispatcher.metrics.incr("duplicates_dropped")
            log.warning("a Slack request was delivered again (a replay?); ignored", extra={"team": team})
            return BoltResponse(status=200, body="")
        await next_()
        return None

    async def _answer_in_thread(self, client: AsyncWebClient, event: Event, raw: Body) -> None:
        replies = await post_elsewhere(client, await self.dispatcher.handle(event))
        await post_replies(
            client,
            replies,
            channel=str(raw.get("channel", "")),
            thread_ts=translate.reply_thread(raw),
            user=str(raw.get("user", "")),
        )

    # Slash commands and the shortcut: the listener acknowledges, then works.

    async def on_factcheck(self, ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        """`/factcheck TEXT|show ID|search WORDS|report [TEXT]|help`: a private answer via response_url."""
        await ack()
        line = translate.factcheck_line(str(command.get("text", "")))
        await self._command(COMMAND, line, command, client, shareable=True)

    async def on_admin(self, ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        """`/factcheck-admin LINE`: the moderation grammar; forms open as modals; the core checks the caller."""
        await ack()
        await self._command(ADMIN_COMMAND, translate.admin_line(str(command.get("text", ""))), command, client)

    async def _command(
        self, name: str, line: str, command: Body, client: AsyncWebClient, *, shareable: bool = False
    ) -> None:
        actor, origin = translate.command_actor(command), translate.command_origin(command)
        async with self.work.run("command", command=name, team=origin.workspace_id, channel=origin.channel_id):
            actor = await self.admins.elevate(client, actor)
            request = await form_request(self.dispatcher, actor, origin, line)
            if isinstance(request, OpenForm):
                state = FormState(request.spec.name, origin.channel_id, request.context)
                await open_form(client, self.session, command, request.spec, state, request.initial)
                return
            replies = (
                [request] if request is not None else await self.dispatcher.handle(CommandEvent(actor, origin, line))
            )
            replies = await post_elsewhere(client, replies)
            await respond_all(self.session, str(command.get("response_url", "")), replies, shareable=shareable)

    async def on_shortcut(self, ack: AsyncAck, shortcut: Body) -> None:
        """The \u201cFact-check this message\u201d shortcut: a private answer to whoever used it."""
        await ack()
        event = translate.shortcut_event(shortcut)
        async with self.work.run("shortcut", team=event.origin.workspace_id, channel=event.origin.channel_id):
            replies = await self.dispatcher.handle(event)
            await respond_all(self.session, str(shortcut.get("response_url", "")), replies)


_THREAD_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")


async def thread_parent(client: AsyncWebClient, channel: str, thread_ts: str) -> str | None:
    """The text of a thread's first message, or None (logged) if Slack will not give it."""
    if not _THREAD_TS.fullmatch(thread_ts):
        return None
    try:
        response = await client.conversations_replies(channel=channel, ts=thread_ts, limit=1, inclusive=True)
    except SlackApiError as exc:
        log.warning("cannot read the thread's parent", extra={"channel": channel, "error": exc.response.get("error")})
        return None
    messages = response.get("messages") or []
    return str(messages[0].get("text", "")) if messages else None


async def post_replies(
    client: AsyncWebClient, replies: Sequence[Reply], *, channel: str, thread_ts: str | None, user: str
) -> None:
    """Post replies in a thread: public ones with chat.postMessage, private ones with chat.postEphemeral."""
    for reply in replies:
        message = render(reply)
        if reply.ephemeral:
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **message)
        else:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)
