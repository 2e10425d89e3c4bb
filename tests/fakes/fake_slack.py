"""A local fake of Slack for adapter tests: the Web API methods factbot calls, response_url hooks, a Socket Mode
websocket, and a sender that signs requests the way Slack does. Loopback only, port 0, in the test's event loop.

Unknown methods get 404 `unknown_method`, so a new API call in the bot fails loudly. Every request is
recorded, and every message the bot sends is checked centrally (escaping, unfurling, no mentions), so each
test that makes factbot speak also tests those rules.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

SIGNING_SECRET = "test-signing-secret-0123456789"
APP_TOKEN = "xapp-1-A111-test"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "CANARY-client-secret-abcdef"
APP_ID = "A111"

# Messages may contain no `<` except links built by factbot: <https://...|label>.
_BOT_LINK = re.compile(r"<https://[^\s<>|]+\|[^<>]*>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral"}


@dataclass(frozen=True)
class Workspace:
    """A workspace the fake knows: its bot token and the bot's identity there."""

    team_id: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    team_name: str = "Test team"


@dataclass
class Call:
    """One recorded request: the Web API method (or `hook:NAME`), its parameters and its headers."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def token(self) -> str | None:
        """The bearer token the call carried."""
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None


def text_violations(text: str) -> list[str]:
    """Why a mrkdwn text could notify someone or show a link factbot did not build (empty if it is safe)."""
    problems = []
    rest = _BOT_LINK.sub("", text)
    for bad in ("<", ">"):
        if bad in rest:
            index = rest.index(bad)
            problems.append(f"unescaped {bad!r} near {rest[max(0, index - 20) : index + 20]!r}")
    if "&" in _ENTITY.sub("", rest):
        problems.append("a bare '&'")
    return problems


def _texts(value: Any) -> Iterator[str]:
    """Every mrkdwn or top-level text in a message payload (button values and plain_text are not parsed)."""
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            elif key not in {"value", "action_id", "block_id", "private_metadata"}:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def message_violations(params: dict[str, Any]) -> list[str]:
    """Check one outgoing message against factbot's rules: SL-7, SL-8 and IN-1."""
    if set(params) <= {"delete_original", "response_type", "replace_original"}:
        return []
    problems = []
    if params.get("unfurl_links") is not False or params.get("unfurl_media") is not False:
        problems.append("unfurl_links/unfurl_media not set to false")
    if params.get("link_names") or params.get("parse") not in (None, "none"):
        problems.append("link_names or parse is set")
    blocks = params.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if blocks is not None and len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks")
    for text in _texts({"text": params.get("text", ""), "blocks": blocks or []}):
        if len(text) > 3000:
            problems.append(f"a text of {len(text)} characters")
        problems += text_violations(text)
    return problems


class FakeSlack:
    """The fake server; `await start()` it, point the bot at `api_url`, then inspect `calls`."""

    def __init__(self, workspaces: list[Workspace] | None = None) -> None:
        self.workspaces = {w.bot_token: w for w in workspaces or [Workspace("T111", "xoxb-team1", "UBOT1", "B111")]}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.thread_parents: dict[tuple[str, str], str] = {}
        self.installable: dict[str, Workspace] = {}
        self.revoked: set[str] = set()
        # users.info answers: user id -> the user object Slack would return (its `team_id` is the person's own team).
        self.users: dict[str, dict[str, Any]] = {}
        self._rate_limited: dict[str, list[int]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_ready = asyncio.Event()
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._envelopes = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Lifecycle.

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def hook_url(self, name: str) -> str:
        return f"{self.url}/hooks/{name}"

    # Test controls.

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and Retry-After."""
        self._rate_limited[method] = [times, retry_after]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def hooks(self, name: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method.startswith("hook:") and (name is None or c.method == f"hook:{name}")]

    def messages(self) -> list[Call]:
        """Every message the bot sent: chat.postMessage, chat.postEphemeral and response_url posts with text."""
        return [
            c
            for c in self.calls
            if c.method in MESSAGE_METHODS or (c.method.startswith("hook:") and "text" in c.params)
        ]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds after some request (no sleeps in tests)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        await self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    async def wait_hooks(self, name: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        await self.wait_for(lambda: len(self.hooks(name)) >= count, timeout)
        return self.hooks(name)

    # Socket Mode.

    @property
    def connected(self) -> int:
        """How many Socket Mode connections are open."""
        return len(self._sockets)

    async def wait_socket(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._socket_ready.wait(), timeout)

    async def push(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Send one Socket Mode envelope and return the client's acknowledgement."""
        await self.wait_socket()
        envelope_id = f"env-{next(self._envelopes)}"
        ack: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = ack
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self._sockets[-1].send_str(json.dumps(envelope))
        return await asyncio.wait_for(ack, timeout)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}}))
        self._socket_ready.set()
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(message.data)
                future = self._acks.pop(data.get("envelope_id", ""), None)
                if future is not None and not future.done():
                    future.set_result(data)
        self._sockets.remove(ws)
        if not self._sockets:
            self._socket_ready.clear()
        async with self._changed:
            self._changed.notify_all()
        return ws

    # Web API.

    async def _record(self, method: str, request: web.Request) -> Call:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                params.update(json.loads(raw or b"{}"))
            else:
                params.update(dict(urllib.parse.parse_qsl(raw.decode())))
        call = Call(method, params, dict(request.headers), time.monotonic())
        self.calls.append(call)
        if method in MESSAGE_METHODS or method.startswith("hook:"):
            self.violations += [f"{method}: {p}" for p in message_violations(params)]
        async with self._changed:
            self._changed.notify_all()
        return call

    async def _hook(self, request: web.Request) -> web.Response:
        await self._record(f"hook:{request.match_info['name']}", request)
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = await self._record(method, request)
        limited = self._rate_limited.get(method)
        if limited and limited[0] > 0:
            limited[0] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(limited[1])}
            )
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        return web.json_response(await handler(call))

    def _workspace(self, call: Call) -> Workspace | None:
        token = call.token or call.params.get("token")
        if token in self.revoked:
            return None
        return self.workspaces.get(token or "")

    async def api_auth_test(self, call: Call) -> dict[str, Any]:
        workspace = self._workspace(call)
        if workspace is None:
            return {"ok": False, "error": "invalid_auth"}
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": workspace.team_name,
            "user": "factbot",
            "team_id": workspace.team_id,
            "user_id": workspace.bot_user_id,
            "bot_id": workspace.bot_id,
            "is_enterprise_install": False,
        }

    async def _message(self, call: Call, *, ephemeral: bool) -> dict[str, Any]:
        if self._workspace(call) is None:
            return {"ok": False, "error": "invalid_auth"}
        if not call.params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if ephemeral:
            return {"ok": True, "message_ts": f"{time.time():.6f}"}
        return {"ok": True, "channel": call.params["channel"], "ts": f"{time.time():.6f}"}

    async def api_chat_postMessage(self, call: Call) -> dict[str, Any]:
        return await self._message(call, ephemeral=False)

    async def api_chat_postEphemeral(self, call: Call) -> dict[str, Any]:
        if not call.params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return await self._message(call, ephemeral=True)

    async def api_conversations_replies(self, call: Call) -> dict[str, Any]:
        if self._workspace(call) is None:
            return {"ok": False, "error": "invalid_auth"}
        text = self.thread_parents.get((call.params.get("channel", ""), call.params.get("ts", "")))
        if text is None:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": [{"type": "message", "user": "U999", "text": text, "ts": call.params["ts"]}]}

    async def api_users_info(self, call: Call) -> dict[str, Any]:
        if self._workspace(call) is None:
            return {"ok": False, "error": "invalid_auth"}
        user = self.users.get(str(call.params.get("user", "")))
        return {"ok": True, "user": user} if user is not None else {"ok": False, "error": "user_not_found"}

    async def api_views_open(self, call: Call) -> dict[str, Any]:
        if self._workspace(call) is None:
            return {"ok": False, "error": "invalid_auth"}
        if not call.params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = call.params.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        return {"ok": True, "view": {"id": "V1", **(view or {})}}

    async def api_apps_connections_open(self, call: Call) -> dict[str, Any]:
        if not (call.token or "").startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket=test-ticket"}

    async def api_oauth_v2_access(self, call: Call) -> dict[str, Any]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if call.headers.get("Authorization") != expected:
            return {"ok": False, "error": "invalid_client"}
        workspace = self.installable.get(call.params.get("code", ""))
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        self.workspaces[workspace.bot_token] = workspace
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": "UINSTALLER"},
            "scope": "app_mentions:read,channels:history,chat:write,commands,groups:history",
            "token_type": "bot",
            "access_token": workspace.bot_token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }


def sign(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature headers for `body` (python-slack-sdk's SignatureVerifier checks the same)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Sent:
    """The bot's HTTP answer to one signed request, and how long it took."""

    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class SlackSender:
    """Delivers Events API, slash command and interactivity requests to the bot's HTTP endpoint, signed."""

    url: str
    session: aiohttp.ClientSession
    secret: str = SIGNING_SECRET
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def post(self, body: bytes, content_type: str, *, headers: dict[str, str] | None = None) -> Sent:
        signed = {**sign(body, secret=self.secret), "Content-Type": content_type, **(headers or {})}
        started = time.perf_counter()
        timeout = aiohttp.ClientTimeout(total=10)
        async with self.session.post(self.url, data=body, headers=signed, timeout=timeout) as response:
            text = await response.text()
        return Sent(response.status, text, time.perf_counter() - started)

    async def event(self, payload: dict[str, Any], *, retry: int = 0, **headers: str) -> Sent:
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return await self.post(json.dumps(payload).encode(), "application/json", headers={**extra, **headers})

    async def command(self, form: dict[str, str]) -> Sent:
        return await self.post(urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict[str, Any]) -> Sent:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded")


def event_body(event: dict[str, Any], *, team: str = "T111", event_id: str | None = None) -> dict[str, Any]:
    """An Events API `event_callback` envelope around `event`."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{abs(hash((team, json.dumps(event, sort_keys=True)))) % 10**10}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": "UBOT1", "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }


def mention(text: str, *, ts: str = "1700000000.000100", channel: str = "C1", user: str = "U1", **extra: Any) -> dict:
    """An `app_mention` event."""
    return {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts, **extra}


def channel_message(text: str, *, ts: str = "1700000000.000100", channel: str = "C1", user: str = "U1", **extra: Any):
    """A `message` event in a public channel."""
    return {
        "type": "message",
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }


_TRIGGERS = itertools.count(42)


def trigger_id() -> str:
    """A fresh trigger id: Slack gives every user action its own (a repeated one is a replay)."""
    return f"1337.{next(_TRIGGERS)}.abcd"


def slash_command(command: str, text: str, response_url: str, *, team: str = "T111", user: str = "U1") -> dict:
    """The form fields of a slash command request."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": "test",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": user,
        "user_name": f"name-{user}",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "response_url": response_url,
        "trigger_id": trigger_id(),
    }
