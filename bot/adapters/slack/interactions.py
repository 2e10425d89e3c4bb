"""Buttons and modals: feedback, share, show-all-evidence, report, approve / reject a held reply, and form
submissions for the core's forms."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import translate
from bot.adapters.slack.admins import WorkspaceAdmins
from bot.adapters.slack.clients import respond
from bot.adapters.slack.modals import FormState, field_errors, form_view, result_view, submitted_values
from bot.adapters.slack.mrkdwn import fit
from bot.adapters.slack.render import ACTION_APPROVE, context, render
from bot.adapters.slack.work import Work
from bot.core.commands import error
from bot.core.dispatcher import Dispatcher
from bot.core.forms import FormSpec
from bot.domain.models import FEEDBACK_ACTIONS, Actor, CommandEvent, Origin, Reply, ReplyKind

log = logging.getLogger(__name__)

Body = dict[str, Any]
# A submission is saved before the modal is acknowledged, so errors can show under the field;
# past this many seconds the modal closes and the result follows as a message.
FORM_ACK_SECONDS = 2.5
REPORT_FORM = "report"
HELD_NUMBER = re.compile(r"^\d{1,12}$")


async def respond_all(
    session: aiohttp.ClientSession, response_url: str, replies: Sequence[Reply], *, shareable: bool = False
) -> None:
    """Answer privately through a request's response_url, which works even where factbot is not a member."""
    if not response_url:
        log.error("a Slack request without response_url; its answer cannot be sent")
        return
    for reply in replies:
        await respond(session, response_url, {**render(reply, shareable=shareable), "response_type": "ephemeral"})


async def post_elsewhere(client: AsyncWebClient, replies: Sequence[Reply]) -> list[Reply]:
    """Post the replies meant for another place (an approved held reply, in its message's thread); the rest are
    the answer to whoever acted. The core only hands out such a reply after claiming it, so it is posted once."""
    answers = []
    for reply in replies:
        where = reply.deliver_to
        if where is None:
            answers.append(reply)
            continue
        thread = where.thread_id or where.message_id
        try:
            await client.chat_postMessage(channel=where.channel_id, thread_ts=thread, **render(reply))
        except SlackApiError as exc:
            reason = str(exc.response.get("error", "unknown"))
            log.error("an approved reply could not be posted", extra={"channel": where.channel_id, "error": reason})
            answers.append(error(f"Slack refused to post the approved reply ({reason}); it stays decided."))
    return answers


async def open_form(
    client: AsyncWebClient,
    session: aiohttp.ClientSession,
    body: Mapping[str, Any],
    spec: FormSpec,
    state: FormState,
    initial: Mapping[str, str],
) -> None:
    """Open a modal for the request's trigger; if Slack will not, say so privately."""
    try:
        await client.views_open(trigger_id=str(body.get("trigger_id", "")), view=form_view(spec, state, initial))
    except SlackApiError as exc:
        reason = str(exc.response.get("error", "unknown"))
        log.warning("Slack did not open a form", extra={"form": spec.name, "error": reason})
        failed = error(f"Slack did not open the form ({reason}); please try again.")
        await respond_all(session, str(body.get("response_url", "")), [failed])


class Interactions:
    """Listeners for buttons under factbot's replies and for submitted modals."""

    def __init__(
        self, dispatcher: Dispatcher, work: Work, session: aiohttp.ClientSession, admins: WorkspaceAdmins
    ) -> None:
        self.dispatcher = dispatcher
        self.work = work
        self.session = session
        self.admins = admins

    async def on_feedback(self, ack: AsyncAck, body: Body, action: Body) -> None:
        """Helpful / not helpful / wrong claim: recorded by the core against the reply's id."""
        await ack()
        actor, origin = translate.interaction_actor(body), translate.interaction_origin(body)
        async with self.work.run("feedback", team=origin.workspace_id, channel=origin.channel_id):
            kind = str(action.get("action_id", "")).rsplit(":", 1)[-1]
            choice = next((a for a in FEEDBACK_ACTIONS if a.value == kind), None)
            if choice is None:
                log.warning("unknown feedback button", extra={"action_id": action.get("action_id")})
                return
            replies = await self.dispatcher.feedback(actor, origin, str(action.get("value", "")), choice)
            await respond_all(self.session, str(body.get("response_url", "")), replies)

    async def on_share(self, ack: AsyncAck, body: Body, action: Body) -> None:
        """The \u201cShare in channel\u201d button: post the claim publicly, then remove the private copy."""
        await ack()
        actor, origin = translate.interaction_actor(body), translate.interaction_origin(body)
        url = str(body.get("response_url", ""))
        async with self.work.run("share", team=origin.workspace_id, channel=origin.channel_id):
            replies = await self.dispatcher.handle(CommandEvent(actor, origin, f"claim show {action.get('value', '')}"))
            for reply in replies:
                if reply.kind is not ReplyKind.CLAIM:
                    await respond_all(self.session, url, [reply])
                    continue
                message = render(reply, shared=True)
                message["blocks"].append(context(f"Shared by {fit(actor.display_name, 80)}"))
                if await respond(self.session, url, {**message, "response_type": "in_channel"}):
                    await respond(self.session, url, {"delete_original": True})

    async def on_show_evidence(self, ack: AsyncAck, body: Body, action: Body) -> None:
        """The \u201cShow all evidence\u201d button: the whole claim, privately."""
        await ack()
        actor, origin = translate.interaction_actor(body), translate.interaction_origin(body)
        async with self.work.run("evidence", team=origin.workspace_id, channel=origin.channel_id):
            replies = await self.dispatcher.handle(CommandEvent(actor, origin, f"claim show {action.get('value', '')}"))
            await respond_all(self.session, str(body.get("response_url", "")), replies)

    async def on_report(self, ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient) -> None:
        """The \u201cReport to moderators\u201d button under a no-match reply: the report form, prefilled."""
        await ack()
        origin = translate.interaction_origin(body)
        async with self.work.run("report", team=origin.workspace_id, channel=origin.channel_id):
            spec = self.dispatcher.forms().get(REPORT_FORM)
            if spec is None:
                await respond_all(self.session, str(body.get("response_url", "")), [error("Reports are not enabled.")])
                return
            state = FormState(spec.name, origin.channel_id, {})
            await open_form(client, self.session, body, spec, state, {"text": str(action.get("value", ""))})

    async def on_held(self, ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient) -> None:
        """Approve / Reject under a held reply: the core checks who may decide, in which community, and only once."""
        await ack()
        actor, origin = translate.interaction_actor(body), translate.interaction_origin(body)
        url = str(body.get("response_url", ""))
        async with self.work.run("held", team=origin.workspace_id, channel=origin.channel_id):
            number = str(action.get("value", ""))
            if not HELD_NUMBER.fullmatch(number):
                log.warning("a held-reply button without a number", extra={"team": origin.workspace_id})
                await respond_all(self.session, url, [error("That button names no held reply.")])
                return
            verb = "approve" if action.get("action_id") == ACTION_APPROVE else "reject"
            actor = await self.admins.elevate(client, actor)
            replies = await self.dispatcher.run_command(actor, origin, f"queue {verb} {number}")
            await respond_all(self.session, url, await post_elsewhere(client, replies))

    async def on_form_submitted(self, ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient) -> None:
        """A modal was submitted: the core checks the person and the values; errors stay in the modal."""
        actor = translate.interaction_actor(body)
        state = FormState.decode(str(view.get("private_metadata", "")))
        spec = self.dispatcher.forms().get(state.form) if state is not None else None
        if state is None or spec is None:
            log.warning("a modal submission factbot does not know", extra={"team": actor.workspace_id})
            await ack()
            return
        origin = Origin(platform=translate.PLATFORM, channel_id=state.channel, workspace_id=actor.workspace_id)
        actor = await self.admins.elevate(client, actor)
        # Only the context names the form declares are taken from the metadata; the core re-validates them.
        fields = {**submitted_values(spec, view), **{k: v for k, v in state.context.items() if k in spec.context}}
        async with self.work.run("form", form=spec.name, team=actor.workspace_id, channel=state.channel):
            saving = asyncio.ensure_future(self._submit(actor, origin, spec.name, fields))
            done, _ = await asyncio.wait({saving}, timeout=FORM_ACK_SECONDS)
            if not done:
                await ack()
                await self._send_late(client, actor, state.channel, await saving)
                return
            replies = saving.result()
            errors = field_errors(spec, replies)
            if errors:
                await ack(response_action="errors", errors=errors)
            else:
                await ack(response_action="update", view=result_view(spec, replies))

    async def _submit(self, actor: Actor, origin: Origin, form: str, fields: Mapping[str, str]) -> list[Reply]:
        try:
            return await self.dispatcher.submit_form(actor, origin, form, fields)
        except Exception:
            log.exception("a form could not be saved", extra={"form": form, "team": actor.workspace_id})
            return [error("Sorry, that could not be saved. It has been logged for the maintainers.")]

    async def _send_late(self, client: AsyncWebClient, actor: Actor, channel: str, replies: Sequence[Reply]) -> None:
        if not channel:
            log.warning("a slow form's result had nowhere to go", extra={"user": actor.user_id})
            return
        for reply in replies:
            await client.chat_postEphemeral(channel=channel, user=actor.user_id, **render(reply))
