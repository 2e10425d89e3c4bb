"""A local fake of Discord (REST and gateway) on 127.0.0.1, port 0, for driving the real discord.py client.

Strict: unknown routes get 404, every request is recorded, and every message factbot sends is checked
against Discord's size limits and the bot's own rules (no pings, no previews) in one place.
Emulated, because they are cheap and documented: HELLO/heartbeats/IDENTIFY/READY/GUILD_CREATE, close
code 4014 for a privileged intent that is not enabled, MESSAGE_CONTENT blanking, RESUME with replay,
op 7 RECONNECT, zlib-stream compression, 429 with `Via` and `retry_after`, `with_response` callbacks,
40060 for a second response to one interaction, and sharding: GET /gateway/bot (`shards`,
`session_start_limit.max_concurrency`), IDENTIFY with `shard: [id, count]` (4010 when invalid), READY and
GUILD_CREATE with the shard's servers only, and events routed to the sessions of shard
`(guild_id >> 22) % count` (events without a server to shard 0), as Discord does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TOKEN = "fake-discord-token-5a1c"
BOT_ID = 1_300_000_000_000_000_001
APP_ID = BOT_ID
GUILD_ID = 1_300_000_000_000_000_100
GENERAL = 1_300_000_000_000_000_200
WATCHED = 1_300_000_000_000_000_201
THREAD = 1_300_000_000_000_000_202
DM_CHANNEL = 1_300_000_000_000_000_203
BOT_ROLE = 1_300_000_000_000_000_300
MOD_ROLE = 1_300_000_000_000_000_301
OWNER_ID = 1_300_000_000_000_000_400
ALICE = 1_300_000_000_000_000_401
MODERATOR = 1_300_000_000_000_000_402
OTHER_BOT = 1_300_000_000_000_000_403
STRANGER = 1_300_000_000_000_000_404  # owns a server of their own that factbot was added to

MESSAGE_CONTENT = 1 << 15
EPHEMERAL = 1 << 6
SUPPRESS_EMBEDS = 1 << 2
MANAGE_MESSAGES = 1 << 13
ADMINISTRATOR = 1 << 3
EVERYONE_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31)  # view, send, history, use app commands
API = "/api/v10"
_ids = itertools.count(1_400_000_000_000_000_000)


def next_id() -> int:
    """A fresh snowflake."""
    return next(_ids)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "global_name": name, "discriminator": "0", "avatar": None, "bot": bot}


def member(roles: Iterable[int] = (), *, with_user: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in roles],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
    }
    if with_user is not None:
        data["user"] = with_user
    return data


BOT_USER = user(BOT_ID, "factbot", bot=True)
PEOPLE = {
    ALICE: user(ALICE, "alice"),
    MODERATOR: user(MODERATOR, "mod"),
    OWNER_ID: user(OWNER_ID, "owner"),
    OTHER_BOT: user(OTHER_BOT, "otherbot", bot=True),
    STRANGER: user(STRANGER, "stranger"),
}
ROLES_OF = {MODERATOR: [MOD_ROLE]}


def shard_of(guild_id: int | None, shard_count: int) -> int:
    """Discord's sharding formula; events without a server go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


def guild_on_shard(shard_id: int, shard_count: int, index: int = 0) -> int:
    """The id of a server (the `index`-th of its kind) that lands on `shard_id` of `shard_count`."""
    base = (GUILD_ID >> 22) + 1_000 + index * shard_count
    return ((base - base % shard_count + shard_id) << 22) + 100


def general_of(guild_id: int) -> int:
    """The #general channel of a server (GENERAL for the default one)."""
    return GENERAL if guild_id == GUILD_ID else guild_id + 100


def text_channel(channel_id: int, name: str, guild_id: int = GUILD_ID) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def thread_channel(thread_id: int, parent_id: int) -> dict[str, Any]:
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "name": "a thread",
        "parent_id": str(parent_id),
        "owner_id": str(ALICE),
        "member_count": 1,
        "message_count": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_iso(),
            "locked": False,
        },
    }


def role(role_id: int, name: str, permissions: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        **extra,
    }


def guild(guild_id: int = GUILD_ID) -> dict[str, Any]:
    """A server. The default one: #general, #watched with a thread, @everyone, a moderator role and factbot's
    own role. Any other: its #general (see `general_of`), @everyone and factbot's role."""
    if guild_id != GUILD_ID:
        return {
            **guild(),
            "id": str(guild_id),
            "name": f"Server {guild_id}",
            "roles": [
                role(guild_id, "@everyone", EVERYONE_PERMISSIONS),
                role(guild_id + 301, "factbot", EVERYONE_PERMISSIONS, managed=True, tags={"bot_id": str(BOT_ID)}),
            ],
            "channels": [text_channel(general_of(guild_id), "general", guild_id)],
            "threads": [],
            "members": [member([guild_id + 301], with_user=BOT_USER)],
        }
    return {
        "id": str(GUILD_ID),
        "name": "Test server",
        "owner_id": str(OWNER_ID),
        "member_count": 4,
        "unavailable": False,
        "large": False,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [
            role(GUILD_ID, "@everyone", EVERYONE_PERMISSIONS),
            role(MOD_ROLE, "moderators", EVERYONE_PERMISSIONS | MANAGE_MESSAGES),
            role(BOT_ROLE, "factbot", EVERYONE_PERMISSIONS, managed=True, tags={"bot_id": str(BOT_ID)}),
        ],
        "channels": [text_channel(GENERAL, "general"), text_channel(WATCHED, "watched")],
        "threads": [thread_channel(THREAD, WATCHED)],
        "members": [member([BOT_ROLE], with_user=BOT_USER)],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "joined_at": now_iso(),
    }


def message(
    content: str,
    *,
    channel: int = GENERAL,
    author: int = ALICE,
    message_id: int | None = None,
    webhook: bool = False,
    reply_to: dict[str, Any] | None = None,
    mentions: Iterable[int] = (),
    in_guild: bool = True,
    guild_id: int = GUILD_ID,
) -> dict[str, Any]:
    """A MESSAGE_CREATE payload as Discord sends it (mentions are derived from `<@id>` in the text).

    In another server than the default one, the message is in that server's #general.
    """
    mentioned = {int(m) for m in re.findall(r"<@!?(\d+)>", content)} | set(mentions)
    if guild_id != GUILD_ID:
        channel = general_of(guild_id)
    data: dict[str, Any] = {
        "id": str(message_id or next_id()),
        "channel_id": str(channel),
        "type": 19 if reply_to else 0,
        "author": PEOPLE.get(author, user(author, f"user{author}")),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": "@everyone" in content,
        "mentions": [PEOPLE.get(m, BOT_USER if m == BOT_ID else user(m, f"user{m}")) for m in mentioned],
        "mention_roles": re.findall(r"<@&(\d+)>", content),
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "flags": 0,
        "components": [],
    }
    if in_guild:
        data["guild_id"] = str(guild_id)
        data["member"] = member(ROLES_OF.get(author, []))
    if webhook:
        data["webhook_id"] = str(next_id())
        data["author"] = user(next_id(), "a webhook", bot=True)
    if reply_to is not None:
        data["message_reference"] = {
            "message_id": reply_to["id"],
            "channel_id": reply_to["channel_id"],
            "guild_id": str(guild_id),
            "type": 0,
        }
        data["referenced_message"] = reply_to
    return data


def _option(name: str, value: Any, focused: bool) -> dict[str, Any]:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    return {"name": name, "type": kind, "value": value, **({"focused": True} if focused else {})}


def command(*names: str, focused: str | None = None, **options: Any) -> dict[str, Any]:
    """Slash command data: `command("mod", "claim", "retire", id="x")` nests subcommand groups as Discord does."""
    nested = [_option(k, v, k == focused) for k, v in options.items()]
    for depth, name in reversed(list(enumerate(names[1:], start=1))):
        nested = [{"name": name, "type": 1 if depth == len(names) - 1 else 2, "options": nested}]
    return {"id": str(next_id()), "name": names[0], "type": 1, "options": nested}


def context_menu(target: dict[str, Any], name: str = "Fact-check this message") -> dict[str, Any]:
    """Message context-menu data: Discord resolves the target message, text included, without any intent."""
    return {
        "id": str(next_id()),
        "name": name,
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }


def interaction(
    data: dict[str, Any],
    *,
    kind: int = 2,
    by: int = ALICE,
    permissions: int = EVERYONE_PERMISSIONS,
    channel: int = GENERAL,
    message: dict[str, Any] | None = None,
    guild_id: int = GUILD_ID,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload (kind 2 command, 3 component, 4 autocomplete, 5 modal submit).

    In another server than the default one, it happens in that server's #general.
    """
    interaction_id = next_id()
    if guild_id != GUILD_ID:
        channel = general_of(guild_id)
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(APP_ID),
        "type": kind,
        "token": f"token-{interaction_id}",
        "version": 1,
        "guild_id": str(guild_id),
        "channel_id": str(channel),
        "channel": text_channel(channel, "c", guild_id),
        "member": {**member(ROLES_OF.get(by, [])), "user": PEOPLE[by], "permissions": str(permissions)},
        "app_permissions": str(EVERYONE_PERMISSIONS),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": 8_388_608,
        "data": data,
    }
    if message is not None:
        payload["message"] = message
    return payload


def button_press(custom_id: str, message: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A click on a button of `message`."""
    return interaction({"custom_id": custom_id, "component_type": 2}, kind=3, message=message, **kwargs)


def modal_submission(modal: dict[str, Any], values: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Submit a modal the bot opened (its callback data), filling text inputs by label."""
    rows = []
    for row in modal["components"]:
        inner = row.get("component") or row["components"][0]
        label = row.get("label") or inner.get("label")
        answer = {"type": 4, "custom_id": inner["custom_id"], "value": values.get(label, inner.get("value", ""))}
        rows.append({"type": 18, "component": answer} if row["type"] == 18 else {"type": 1, "components": [answer]})
    return interaction({"custom_id": modal["custom_id"], "components": rows}, kind=5, **kwargs)


@dataclass
class Recorded:
    """One request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0  # until answered
    at: float = field(default_factory=time.monotonic)
    files: list[str] = field(default_factory=list)
    response: Any = None  # the message object the fake created, if any


@dataclass
class Session:
    """A gateway session: its shard, its events, numbered, kept for replay on RESUME, and its current connection."""

    session_id: str
    intents: int
    connection: Connection | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0
    shard: tuple[int, int] | None = None  # [shard_id, num_shards] from IDENTIFY; None: unsharded, gets everything

    def receives(self, guild_id: int | None) -> bool:
        """Whether Discord sends this session events of that server."""
        return self.shard is None or shard_of(guild_id, self.shard[1]) == self.shard[0]

    def frame(self, event: str, data: Any) -> dict[str, Any]:
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.events.append(frame)
        return frame

    async def deliver(self, event: str, data: Any) -> int:
        """Number the event and send it now, or keep it for replay while disconnected."""
        frame = self.frame(event, data)
        if self.connection is not None:
            await self.connection.send(frame)
        return self.seq


class Connection:
    """One gateway websocket, compressing frames with zlib-stream when the client asked for it."""

    def __init__(self, ws: web.WebSocketResponse, path: str, compress: bool) -> None:
        self.ws = ws
        self.path = path
        self.zlib = zlib.compressobj() if compress else None

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        if self.zlib is None:
            await self.ws.send_str(text)
        else:
            await self.ws.send_bytes(self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH))


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly `application/json`: discord.py compares the header verbatim (aiohttp would add a charset).
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def payload_problems(body: dict[str, Any]) -> list[str]:
    """Where a message payload breaks Discord's limits or factbot's rules."""
    problems = []
    if body.get("allowed_mentions", {}).get("parse") != []:
        problems.append(f"allowed_mentions must parse nothing: {body.get('allowed_mentions')}")
    if body.get("allowed_mentions", {}).get("replied_user"):
        problems.append("replies must not ping the author")
    content = body.get("content") or ""
    if len(content) > 2000:
        problems.append(f"content has {len(content)} characters")
    if re.search(r"https?://", content) and not body.get("flags", 0) & SUPPRESS_EMBEDS and not body.get("embeds"):
        problems.append("a link in the text without SUPPRESS_EMBEDS")
    if re.search(r"@(everyone|here)", content):
        problems.append("an undefused mass mention in the text")
    embeds = body.get("embeds") or []
    total = 0
    for embed in embeds:
        title, description = embed.get("title") or "", embed.get("description") or ""
        fields = embed.get("fields") or []
        footer, author = (embed.get("footer") or {}).get("text") or "", (embed.get("author") or {}).get("name") or ""
        limits = [
            (title, 256, "title"),
            (description, 4096, "description"),
            (footer, 2048, "footer"),
            (author, 256, "author"),
        ]
        limits += [(f["name"], 256, "field name") for f in fields] + [(f["value"], 1024, "field value") for f in fields]
        problems += [f"embed {what} has {len(text)} characters" for text, limit, what in limits if len(text) > limit]
        if len(fields) > 25:
            problems.append(f"embed has {len(fields)} fields")
        total += sum(len(text) for text, _, _ in limits)
        if re.search(r"(?<!\\)@(everyone|here)", json.dumps(embed)):
            problems.append("an undefused mass mention in an embed")
    if total > 6000:
        problems.append(f"embeds total {total} characters")
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds")
    for row in body.get("components") or []:
        for component in row.get("components", []):
            if len(component.get("custom_id", "")) > 100:
                problems.append(f"custom_id {component['custom_id']!r} is too long")
    return problems


class FakeDiscord:
    """REST and gateway on one loopback port; tests push events and inspect what the bot sent."""

    def __init__(
        self,
        *,
        heartbeat_ms: int = 1000,
        message_content_enabled: bool = True,
        recommended_shards: int = 1,
        max_concurrency: int = 1,
        identify_window: float | None = None,
    ) -> None:
        self.heartbeat_ms = heartbeat_ms
        self.message_content_enabled = message_content_enabled
        self.recommended_shards = recommended_shards  # GET /gateway/bot `shards`
        self.max_concurrency = max_concurrency  # GET /gateway/bot `session_start_limit.max_concurrency`
        # When set, an IDENTIFY less than this long after another of its bucket is a violation (Discord: 5 s).
        self.identify_window = identify_window
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.identifies: list[dict[str, Any]] = []
        self.identified_at: list[float] = []  # monotonic time each IDENTIFY arrived, in step with `identifies`
        self.resumes: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.connections: list[Connection] = []
        self.sessions: list[Session] = []  # every live session of a shard gets that shard's events
        self.guilds: dict[int, dict[str, Any]] = {GUILD_ID: guild()}
        self.interactions_answered: set[str] = set()
        self._failures: list[tuple[str, re.Pattern[str], web.Response]] = []
        self.forbidden_channels: set[int] = set()
        self.token_revoked = False
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self.app = app

    # -- lifecycle -----------------------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for connection in self.connections:
            await connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def guild_payload(self) -> dict[str, Any]:
        """The default server."""
        return self.guilds[GUILD_ID]

    def add_guild(self, guild_id: int, *, owner: int = OWNER_ID) -> dict[str, Any]:
        """Another server factbot is in (before the bot connects), with its own #general and owner."""
        self.guilds[guild_id] = {**guild(guild_id), "owner_id": str(owner)}
        return self.guilds[guild_id]

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- waiting -------------------------------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate()` is truthy (checked after every request and gateway frame)."""

        async def waiting() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(waiting(), timeout)

    def sent(self, pattern: str = r"/channels/\d+/messages", method: str = "POST") -> list[Recorded]:
        """Recorded requests whose path matches `pattern` (under /api/v10)."""
        return [r for r in self.requests if r.method == method and re.fullmatch(API + pattern, r.path)]

    async def wait_sent(
        self, count: int = 1, pattern: str = r"/channels/\d+/messages", method: str = "POST", timeout: float = 5.0
    ) -> list[Recorded]:
        """Wait until at least `count` matching requests were made; return them all."""
        return await self.wait_for(
            lambda: (found := self.sent(pattern, method)) and len(found) >= count and found, timeout
        )

    def callbacks(self, interaction_id: int | None = None) -> list[Recorded]:
        """Interaction callbacks (initial responses), optionally for one interaction."""
        which = str(interaction_id) if interaction_id is not None else r"\d+"
        return self.sent(rf"/interactions/{which}/[^/]+/callback")

    # -- faults --------------------------------------------------------------------------------------------------

    def rate_limit_once(self, method: str, pattern: str, retry_after: float) -> None:
        """The next matching request gets a 429 with `retry_after`, as Discord sends it."""
        headers = {
            "Via": "1.1 google",  # without it discord.py takes the 429 for a Cloudflare ban and gives up
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "fakebucket",
            "X-RateLimit-Scope": "user",
        }
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        self.fail_once(method, pattern, 429, body, headers)

    def fail_once(
        self, method: str, pattern: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """The next matching request gets this error response instead of being handled."""
        self._failures.append((method, re.compile(API + pattern), _json(body, status, headers)))

    @property
    def session(self) -> Session | None:
        """The newest session (the one most tests have)."""
        return self.sessions[-1] if self.sessions else None

    @property
    def connected(self) -> bool:
        """Whether the newest session has a gateway connection open now."""
        return self.session is not None and self.session.connection is not None

    def revoke_token(self) -> None:
        """Every REST call gets 401 from now on, as after the token is reset in the Developer Portal."""
        self.token_revoked = True

    def forbid_channel(self, channel_id: int) -> None:
        """Posting in the channel gets 403 Missing Permissions from now on."""
        self.forbidden_channels.add(channel_id)

    def _detach(self) -> Connection:
        session = self.session
        assert session is not None and session.connection is not None, "no open gateway connection"
        connection, session.connection = session.connection, None
        return connection

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the newest session's socket with a resumable code, as Discord does now and then."""
        await self._detach().ws.close(code=code)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client must come back and resume."""
        await self._detach().send({"op": 7, "d": None})

    # -- gateway -------------------------------------------------------------------------------------------------

    def _recipients(self, data: Any) -> list[Session]:
        """Every session of the event's shard: several when two processes run the same shard."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        found = [s for s in self.sessions if s.receives(None if guild_id is None else int(guild_id))]
        assert found, f"no gateway session receives server {guild_id}"
        return found

    async def dispatch(self, event: str, data: Any) -> int:
        """Send one event to the sessions of its shard (queued for replay where disconnected); the newest's seq."""
        return [await session.deliver(event, data) for session in self._recipients(data)][-1]

    async def send_message(self, content: str, **kwargs: Any) -> dict[str, Any]:
        """A user posts a message; its text is blanked like Discord does for bots without MESSAGE_CONTENT."""
        data = message(content, **kwargs)
        addressed = str(BOT_ID) in {m["id"] for m in data["mentions"]} or "guild_id" not in data
        blank = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        recipients = self._recipients(data)
        for session in recipients:
            seen = data if session.intents & MESSAGE_CONTENT or addressed else blank
            await session.deliver("MESSAGE_CREATE", seen)
        return data if recipients[-1].intents & MESSAGE_CONTENT or addressed else blank

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connection = Connection(ws, request.path, request.query.get("compress") == "zlib-stream")
        self.connections.append(connection)
        await connection.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}})
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op, data = payload.get("op"), payload.get("d")
            if op == 1:
                self.heartbeats += 1
                await connection.send({"op": 11})
            elif op == 2:
                await self._identify(connection, data)
            elif op == 6:
                await self._resume(connection, data)
            await self._notify()
        for session in list(self.sessions):
            if session.connection is connection:
                session.connection = None
                if ws.close_code in (1000, 1001):  # a clean close ends the session, as on Discord
                    self.sessions.remove(session)
        await self._notify()
        return ws

    def _check_identify_pace(self, shard: tuple[int, int] | None, at: float) -> None:
        """Discord allows one IDENTIFY per bucket (shard_id % max_concurrency) per window."""
        if self.identify_window is None:
            return
        bucket = (shard[0] if shard else 0) % self.max_concurrency
        for earlier, when in zip(self.identifies[:-1], self.identified_at[:-1], strict=True):
            other = earlier.get("shard") or [0, 1]
            if other[0] % self.max_concurrency == bucket and at - when < self.identify_window:
                self.violations.append(
                    f"IDENTIFY of shard {shard} {at - when:.3f} s after shard {other} (bucket {bucket})"
                )

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        at = time.monotonic()
        self.identifies.append(data)
        self.identified_at.append(at)
        if data.get("token") != TOKEN:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        requested = data.get("shard")
        if requested is not None and not (len(requested) == 2 and 0 <= requested[0] < requested[1]):
            await connection.ws.close(code=4010, message=b"Invalid shard.")
            return
        shard = (int(requested[0]), int(requested[1])) if requested is not None else None
        self._check_identify_pace(shard, at)
        if data.get("intents", 0) & MESSAGE_CONTENT and not self.message_content_enabled:
            await connection.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        session = Session(uuid.uuid4().hex, data.get("intents", 0), connection, shard=shard)
        self.sessions.append(session)
        mine = [payload for guild_id, payload in self.guilds.items() if session.receives(guild_id)]
        ready = {
            "v": 10,
            "user": BOT_USER,
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume",
            "guilds": [{"id": payload["id"], "unavailable": True} for payload in mine],
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await session.deliver("READY", ready)
        for payload in mine:
            await session.deliver("GUILD_CREATE", payload)

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        session = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        if session is None or data.get("token") != TOKEN:
            await connection.send({"op": 9, "d": False})
            return
        session.connection = connection
        for frame in session.events:
            if frame["s"] > data.get("seq", 0):
                await connection.send(frame)
        await session.deliver("RESUMED", {})

    # -- REST ----------------------------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> tuple[Any, list[str]]:
        if request.content_type.startswith("multipart/"):
            body: Any = None
            files = []
            async for part in await request.multipart():
                raw = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(raw)
                else:
                    files.append(part.filename or "")  # type: ignore[union-attr]
            return body, files
        raw_text = await request.text()
        return (json.loads(raw_text) if raw_text else None), []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        body, files = await self._body(request)
        record = Recorded(request.method, request.path, dict(request.query), body, dict(request.headers), files=files)
        self.requests.append(record)
        try:
            response = await self._route(request, record)
            record.status = response.status
        finally:
            await self._notify()
        return response

    def _failure(self, record: Recorded) -> web.Response | None:
        for index, (method, pattern, response) in enumerate(self._failures):
            if method == record.method and pattern.fullmatch(record.path):
                del self._failures[index]
                return response
        return None

    async def _route(self, request: web.Request, record: Recorded) -> web.Response:
        path = request.path.removeprefix(API)
        webhook_like = path.startswith(("/interactions/", "/webhooks/"))
        if not webhook_like and (self.token_revoked or request.headers.get("Authorization") != f"Bot {TOKEN}"):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        failure = self._failure(record)
        if failure is not None:
            return failure
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                return await handler(record, *match.groups())
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/gateway/bot", self._gateway_bot),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("PUT", r"/applications/(\d+)/commands", self._sync),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._sync),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self._followup),
            ("DELETE", r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", self._deleted),
        ]

    async def _me(self, record: Recorded) -> web.Response:
        return _json(BOT_USER)

    async def _gateway_bot(self, record: Recorded) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - len(self.identifies),
                    "reset_after": 86_400_000,
                    "max_concurrency": self.max_concurrency,
                },
            }
        )

    async def _application(self, record: Recorded) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "factbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "00",
                "flags": 0,
                "owner": user(OWNER_ID, "owner"),
                "team": None,
            }
        )

    async def _sync(self, record: Recorded, app_id: str, guild_id: str | None = None) -> web.Response:
        commands = [
            {
                "id": str(next_id()),
                "application_id": app_id,
                "version": "1",
                "description": "",
                **({"guild_id": guild_id} if guild_id else {}),
                **command,
            }
            for command in record.body
        ]
        return _json(commands)

    def _check(self, record: Recorded, body: dict[str, Any]) -> web.Response | None:
        problems = payload_problems(body)
        self.violations += [f"{record.method} {record.path}: {p}" for p in problems]
        if any("characters" in p or "embeds" in p or "fields" in p or "too long" in p for p in problems):
            return _json({"message": "Invalid Form Body", "code": 50035}, 400)
        return None

    def _message_object(self, record: Recorded, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        record.response = {
            "id": str(next_id()),
            "type": 0,
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": body.get("flags") or 0,
        }
        return record.response

    async def _create_message(self, record: Recorded, channel_id: str) -> web.Response:
        if int(channel_id) in self.forbidden_channels:
            return _json({"message": "Missing Permissions", "code": 50013}, 403)
        return self._check(record, record.body) or _json(self._message_object(record, channel_id, record.body))

    async def _callback(self, record: Recorded, interaction_id: str, token: str) -> web.Response:
        if interaction_id in self.interactions_answered:
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, 400)
        self.interactions_answered.add(interaction_id)
        body = record.body
        kind, data = body["type"], body.get("data") or {}
        if kind in (4, 7):
            failed = self._check(record, data)
            if failed:
                return failed
        message_data = self._message_object(record, str(GENERAL), data) if kind in (4, 5) else None
        interaction = {
            "id": interaction_id,
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
        }
        result: dict[str, Any] = {"interaction": interaction}
        if message_data is not None:
            interaction["response_message_id"] = message_data["id"]
            result["resource"] = {"type": kind, "message": message_data}
        return _json(result)

    async def _followup(self, record: Recorded, app_id: str, token: str, message_id: str = "") -> web.Response:
        return self._check(record, record.body) or _json(self._message_object(record, str(GENERAL), record.body))

    async def _deleted(self, record: Recorded, app_id: str, token: str, message_id: str) -> web.Response:
        return web.Response(status=204)
