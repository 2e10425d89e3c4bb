"""The one entry point for every adapter: an event goes in, the replies to send come out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from bot.catalogue.schema import InvalidClaim
from bot.core.commands import CommandContext, CommandRegistry, CommandSpec, error, help_command, unknown_claim
from bot.core.errors import EditRefused, StorageError, UnknownClaim
from bot.core.factcheck import answer, fact_check_reply, recorded
from bot.core.forms import FormSpec
from bot.core.limits import Limits
from bot.core.live import LiveCatalogue, Snapshot
from bot.core.metrics import Metrics
from bot.core.offload import off_loop
from bot.core.params import Args, read_line, read_options
from bot.core.parsing import CommandError
from bot.core.permissions import AccessConfig, Authority, authority
from bot.core.policy import ReplyPolicy
from bot.core.services import Stores
from bot.core.trial import hold
from bot.core.views import CommunityViews
from bot.domain.models import (
    Actor,
    CommandEvent,
    Decision,
    Event,
    MentionEvent,
    MessageActionEvent,
    MessageEvent,
    Origin,
    Reply,
    ReplyAction,
)
from bot.domain.textcut import scrub

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20_000
MAX_FORM_FIELD_CHARS = 5_000
# Slack retries for about five minutes and Discord replays on resume; an hour covers both with room to spare.
DEDUPE_TTL = dt.timedelta(hours=1)
# Words that, alone after a mention, mean "check the message I am replying to".
_FILLER = frozenset(
    "check this that it please pls plz factcheck fact-check fact is true real bot can you verify claim here".split()
)


def is_bare_mention(text: str) -> bool:
    """True when the text after a mention only says "check this": the message replied to is what to check."""
    words = text.lower().replace("?", " ").replace("!", " ").split()
    return all(w in _FILLER for w in words)


class Dispatcher:
    """Routes events to the matcher or to commands and returns replies; adapters do all the I/O."""

    def __init__(
        self,
        catalogue: LiveCatalogue,
        policy: ReplyPolicy,
        registry: CommandRegistry,
        access: AccessConfig | None = None,
        stores: Stores | None = None,
        metrics: Metrics | None = None,
        *,
        limits: Limits | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.limits = limits
        self.policy = policy
        self.registry = registry
        self.access = access or AccessConfig()
        self.stores = stores or Stores()
        self.metrics = metrics or Metrics()
        self.views = CommunityViews()

    async def snapshot(self, origin: Origin) -> Snapshot:
        """The catalogue as the community of an event sees it: shared claims, plus its own claims and aliases."""
        shared = await self.catalogue.current()
        if self.stores.local is None:
            return shared
        return await self.views.view(shared, await self.stores.local.layer(origin))

    async def handle(self, event: Event) -> list[Reply]:
        """Answer one event; never raises: failures are logged and answered, or silent for unprompted messages."""
        if self.policy.ignores(event.actor):
            return []
        event = _scrubbed(event)
        match event:
            case MessageEvent():
                work = self._unprompted(event)
            case MentionEvent():
                work = self._limited(event.actor, self._mention(event), always_answer=False)
            case CommandEvent():
                work = self._limited(event.actor, self._command(event.actor, event.origin, event.line))
            case MessageActionEvent():
                work = self._limited(event.actor, self._fact_check(event.origin, event.target_text))
        replies = await self._guard(work, event.origin, silent=isinstance(event, MessageEvent))
        for reply in replies:
            self.metrics.incr(f"replies_{reply.kind.value}")
        return replies

    async def _limited(
        self, actor: Actor, work: Coroutine[Any, Any, list[Reply]], *, always_answer: bool = True
    ) -> list[Reply]:
        """Do the work unless the person is over their request limit in this community."""
        refused = await self.limits.request(actor, always_answer=always_answer) if self.limits else None
        if refused is not None:
            work.close()
            self.metrics.incr("requests_limited")
            return refused
        return await work

    async def _guard(self, work: Awaitable[list[Reply]], origin: Origin, *, silent: bool = False) -> list[Reply]:
        try:
            return await work
        except Exception as exc:
            storage = isinstance(exc, StorageError)
            self.metrics.incr("database_errors" if storage else "errors")
            log.exception("failed to answer", extra={"platform": origin.platform, "channel": origin.channel_id})
            if silent:
                return []
            if storage:
                return [
                    error(
                        "A database error stopped this, so nothing was changed. It has been logged; please "
                        "try again in a minute."
                    )
                ]
            return [error("Sorry, something went wrong while answering. It has been logged for the maintainers.")]

    async def fact_check(self, origin: Origin, text: str, *, record: bool = True) -> list[Reply]:
        """An explicit fact-check request: the lower (suggest) tier is enough to answer. Never raises.

        `record=False` is for trial runs outside chat (`factbot check`): nothing is stored, so they never count
        in `stats` as replies people saw.
        """
        return await self._guard(self._fact_check(origin, text, record=record), origin)

    async def _fact_check(self, origin: Origin, text: str, *, record: bool = True) -> list[Reply]:
        text = scrub(text.strip()[:MAX_TEXT_CHARS])
        if not text:
            return [error("There is no text to check in that message.")]
        snapshot = await self.snapshot(origin)
        log = self.stores.replies if record else None
        hidden = await self.stores.hidden_claims(origin)
        return [await answer(snapshot, text, origin=origin, log=log, metrics=self.metrics, hidden=hidden)]

    async def _unprompted(self, event: MessageEvent) -> list[Reply]:
        if not await self.policy.may_consider(event.actor, event.origin, event.text):
            return []
        snapshot = await self.snapshot(event.origin)
        with self.metrics.timed_match():
            hidden = await self.stores.hidden_claims(event.origin)
            result = await off_loop(snapshot.matcher.match, event.text[:MAX_TEXT_CHARS], exclude=hidden)
        best = result.best
        if result.decision is not Decision.REPLY or best is None:
            return []
        if await self.policy.in_trial(event.origin):
            await hold(self.stores, self.policy, event.origin, result)
            return []
        if not await self.policy.take_cooldown(event.origin, best.claim_id):
            self.metrics.incr("cooldown_skips")
            log.info(
                "cooldown: not repeating a claim", extra={"claim_id": best.claim_id, "channel": event.origin.channel_id}
            )
            return []
        reply = fact_check_reply(snapshot, result, origin=event.origin, unprompted=True)
        return [await recorded(reply, result, origin=event.origin, log=self.stores.replies)]

    async def _mention(self, event: MentionEvent) -> list[Reply]:
        text = event.text.strip()
        if is_bare_mention(text):
            if event.referenced_text and event.referenced_text.strip():
                return await self._fact_check(event.origin, event.referenced_text)
            return await help_command(await self._context(event.actor, event.origin), Args({}))
        if self.registry.resolve(text) is not None:
            return await self._command(event.actor, event.origin, text)
        return await self._fact_check(event.origin, text)

    async def first_time(self, key: str, ttl: dt.timedelta = DEDUPE_TTL) -> bool:
        """True the first time `key` is seen within `ttl`: how adapters handle redelivered events exactly once."""
        first = await self.policy.keys.acquire(f"seen:{key}", ttl)
        if not first:
            self.metrics.incr("duplicates_dropped")
        return first

    def authority(self, actor: Actor, origin: Origin) -> Authority:
        """What this person may do where they are: the core's one permission decision, for commands and forms."""
        return authority(actor, origin, self.access)

    def may_run(self, command: str, actor: Actor, origin: Origin) -> bool:
        """Whether a command (by name) is open to this person here; adapters use it to decide on showing a modal."""
        spec = next((s for s in self.registry.specs() if s.name == command), None)
        return spec is not None and self.authority(actor, origin) >= spec.authority

    def forms(self) -> dict[str, FormSpec]:
        """Every form adapters can show as a modal, by command name."""
        return {spec.name: spec.form for spec in self.registry.specs() if spec.form is not None}

    async def _context(self, actor: Actor, origin: Origin) -> CommandContext:
        snapshot = await self.snapshot(origin)
        return CommandContext(
            actor,
            origin,
            snapshot,
            self.catalogue,
            self.registry,
            self.stores,
            self.policy,
            self.metrics,
            self.limits,
            self.authority(actor, origin),
        )

    async def _permitted(self, spec: CommandSpec, actor: Actor, origin: Origin, how: str) -> str | None:
        """None when the person may run the command here, else the refusal (logged and audited)."""
        if self.authority(actor, origin) >= spec.authority:
            return None
        needed = "a catalogue editor" if spec.authority is Authority.EDITOR else "a moderator of this community"
        log.warning(
            "refused command",
            extra={"command": spec.name, "user": actor.user_id, "platform": actor.platform, "needs": needed},
        )
        if self.stores.audit is not None:
            detail = {"reason": f"not {needed}"}
            await self.stores.audit.record(actor, spec.name, how, "refused", detail, origin.community)
        return refusal(spec)

    async def _run(
        self, actor: Actor, origin: Origin, call: Callable[[CommandContext], Awaitable[list[Reply]]]
    ) -> list[Reply]:
        ctx = await self._context(actor, origin)
        try:
            return await call(ctx)
        except UnknownClaim as exc:
            return [unknown_claim(ctx.snapshot, exc.claim_id)]
        except (EditRefused, CommandError) as exc:
            return [error(str(exc))]
        except InvalidClaim as exc:
            return [error(f"Not saved: {exc}.")]

    async def run_command(self, actor: Actor, origin: Origin, line: str) -> list[Reply]:
        """Parse a command line with the shared grammar, check permission, run it. Never raises."""
        return await self._guard(self._limited(actor, self._command(actor, origin, line)), origin)

    async def _command(self, actor: Actor, origin: Origin, line: str) -> list[Reply]:
        line = scrub(line.strip()[:MAX_TEXT_CHARS])
        resolved = self.registry.resolve(line)
        if resolved is None:
            close = self.registry.suggest(line)
            hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else " Try `help`."
            return [error(f"Unknown command `{' '.join(line.split()[:2])[:60]}`.{hint}")]
        spec, args = resolved
        refused = await self._permitted(spec, actor, origin, "command")
        if refused is not None:
            return [error(refused)]
        return await self._run(
            actor, origin, lambda ctx: spec.handler(ctx, read_line(spec.params, spec.spaced, args, spec.usage))
        )

    async def run_options(
        self, actor: Actor, origin: Origin, command: str, options: Mapping[str, object]
    ) -> list[Reply]:
        """A command with its values given by name (Discord's typed options): the same checks as a typed line."""
        return await self._guard(self._limited(actor, self._options(actor, origin, command, options)), origin)

    async def _options(self, actor: Actor, origin: Origin, command: str, options: Mapping[str, object]) -> list[Reply]:
        spec = next((s for s in self.registry.specs() if s.name == command), None)
        if spec is None:
            return [error(f"Unknown command `{command[:60]}`. Try `help`.")]
        refused = await self._permitted(spec, actor, origin, "command")
        if refused is not None:
            return [error(refused)]
        bounded = {
            str(k)[:40]: scrub(v[:MAX_TEXT_CHARS]) if isinstance(v, str) else v for k, v in list(options.items())[:20]
        }
        return await self._run(
            actor, origin, lambda ctx: spec.handler(ctx, read_options(spec.params, bounded, spec.usage))
        )

    async def submit_form(self, actor: Actor, origin: Origin, form: str, fields: Mapping[str, str]) -> list[Reply]:
        """A submitted modal: the same permission check and validation as the typed command. Never raises."""
        return await self._guard(self._limited(actor, self._form(actor, origin, form, fields)), origin)

    async def _form(self, actor: Actor, origin: Origin, form: str, fields: Mapping[str, str]) -> list[Reply]:
        spec = next((s for s in self.registry.specs() if s.name == form and s.form_handler is not None), None)
        if spec is None or spec.form_handler is None:
            return [error(f"Unknown form `{form[:60]}`.")]
        refused = await self._permitted(spec, actor, origin, "form")
        if refused is not None:
            return [error(refused)]
        bounded = {scrub(str(k)[:40]): scrub(str(v)[:MAX_FORM_FIELD_CHARS]) for k, v in list(fields.items())[:20]}
        handler = spec.form_handler
        return await self._run(actor, origin, lambda ctx: handler(ctx, bounded))

    async def feedback(self, actor: Actor, origin: Origin, reply_id: str, action: ReplyAction) -> list[Reply]:
        """A feedback button (helpful / not helpful / wrong claim) on one of the bot's replies."""
        return await self.run_command(actor, origin, f"feedback {reply_id} {action.value}")


def refusal(spec: CommandSpec) -> str:
    """Why a command was refused, and what the person can do instead."""
    if spec.authority is Authority.EDITOR:
        return (
            f"`{spec.name}` is for catalogue editors only: it changes the shared catalogue that every community is "
            "answered from. A moderator of this community can `propose` a change to them; anyone can "
            "`report TEXT | REASON`."
        )
    return f"`{spec.name}` is for moderators of this community only."


def _scrubbed(event: Event) -> Event:
    """An event's texts with lone surrogates replaced (command lines are scrubbed where every command passes)."""
    match event:
        case MentionEvent():
            referenced = scrub(event.referenced_text) if event.referenced_text is not None else None
            return dataclasses.replace(event, text=scrub(event.text), referenced_text=referenced)
        case MessageEvent():
            return dataclasses.replace(event, text=scrub(event.text))
        case MessageActionEvent():
            return dataclasses.replace(event, target_text=scrub(event.target_text))
    return event
