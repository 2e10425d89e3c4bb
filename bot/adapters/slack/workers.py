"""Several factbot processes on one HTTP port: `factbot run slack` with SLACK_WORKERS=N supervises N worker
processes that each bind the port with SO_REUSEPORT, so the kernel spreads connections over them.

The supervisor prepares the database (migrations, first import) and checks the bot token once, then starts the
workers with exactly its own settings, forwards SIGTERM/SIGINT to them, and replaces a worker that dies (giving
up, with status 1, if workers keep dying). Workers share installations, de-duplication keys and cooldowns
through the database, never through the supervisor. Each worker watches its stdin, a pipe from the supervisor:
if the supervisor disappears (even by kill -9), the pipe closes and the worker stops instead of serving on.

    python -m bot run slack --supervised-worker   # one worker, as the supervisor starts it
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence

import aiohttp
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.app import uses_oauth
from bot.adapters.slack.clients import web_client
from bot.adapters.slack.settings import slack_settings
from bot.adapters.slack.worker import SHUTDOWN_SECONDS, stop_on_signals
from bot.ops.metrics import MULTIPROCESS_ENV, worker_exited
from bot.ops.server import REQUEST_GRACE_SECONDS
from bot.platforms import OpenServices
from bot.settings import CONFIG_ENV, Settings, sections

log = logging.getLogger(__name__)

WORKER_COMMAND = (sys.executable, "-m", "bot", "run", "slack", "--supervised-worker")
# A worker gets this long to finish after SIGTERM (its own grace periods plus a margin) before it is killed.
STOP_SECONDS = SHUTDOWN_SECONDS + REQUEST_GRACE_SECONDS + 5.0
# A dead worker (or one that could not be started) is replaced after 1, 2, 4 ... up to 30 seconds; more than 5
# deaths within a minute means something is wrong that restarting will not fix, so the supervisor stops everything
# and exits with status 1.
FIRST_RESTART_DELAY = 1.0
MAX_RESTART_DELAY = 30.0
CRASH_WINDOW_SECONDS = 60.0
MAX_CRASHES = 5
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def settings_env(settings: Settings) -> dict[str, str | None]:
    """Every setting as the environment variable that sets it (None: unset it), so a child process loads exactly
    these settings whatever its environment or configuration file says."""
    env: dict[str, str | None] = {}
    for name in sections():
        section = settings.section(name)
        prefix = str(type(section).model_config.get("env_prefix", ""))
        for field in type(section).model_fields:
            value = getattr(section, field)
            key = f"{prefix}{field}".upper()
            if value is None:
                env[key] = None
            elif isinstance(value, SecretStr):
                env[key] = value.get_secret_value()
            elif isinstance(value, bool):
                env[key] = "true" if value else "false"
            elif isinstance(value, list):
                env[key] = ",".join(str(item) for item in value)
            else:
                env[key] = str(value)
    env["DATABASE_URL"] = settings.database.resolved_url()
    env[CONFIG_ENV] = str(settings.config_file) if settings.config_file else None
    return env


def worker_environment(settings: Settings, base: Mapping[str, str]) -> dict[str, str]:
    """The environment of one worker: `base`, the supervisor's settings, one worker per process, SO_REUSEPORT."""
    overrides = settings_env(settings) | {"SLACK_WORKERS": "1", "SLACK_REUSE_PORT": "true"}
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    if level in _LOG_LEVELS:
        overrides["LOG_LEVEL"] = level  # `factbot -v` raises the level without changing the settings
    env = dict(base)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


async def prepare(settings: Settings, open_services: OpenServices) -> int:
    """What must happen once, not once per worker: migrate and seed the database, check the bot token."""
    async with open_services(settings):
        pass
    slack = slack_settings(settings)
    if uses_oauth(slack):
        return 0
    async with aiohttp.ClientSession() as session:
        token = slack.bot_token.get_secret_value() if slack.bot_token else None
        client = web_client(slack.api_url, session, token)
        try:
            identity = await client.auth_test()
        except SlackApiError as exc:
            log.error("Slack refused the bot token", extra={"error": exc.response.get("error")})
            return 1
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            # Slack cannot be reached yet: the workers serve /healthz meanwhile and keep trying themselves.
            log.warning("cannot reach Slack to check the bot token; workers will retry", extra={"error": str(exc)})
            return 0
    log.info("signed in to Slack", extra={"team": identity.get("team_id"), "bot_user": identity.get("user_id")})
    return 0


async def supervise(settings: Settings, open_services: OpenServices) -> int:
    """Run SLACK_WORKERS worker processes on one port until SIGTERM or SIGINT; 0 when all stopped cleanly."""
    stop = asyncio.Event()
    with stop_on_signals(stop):
        status = await prepare(settings, open_services)
        if status != 0:
            return status
        env = worker_environment(settings, os.environ)
        # The workers write their metrics into one folder, so whichever answers /metrics reports the whole pool.
        own_folder = MULTIPROCESS_ENV not in env
        if own_folder:
            env[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="factbot-metrics-")
        try:
            return await WorkerPool(slack_settings(settings).workers, env).run(stop)
        finally:
            if own_folder:
                shutil.rmtree(env[MULTIPROCESS_ENV], ignore_errors=True)


class WorkerPool:
    """Keeps `size` worker processes running until told to stop."""

    def __init__(
        self,
        size: int,
        env: Mapping[str, str],
        *,
        command: Sequence[str] = WORKER_COMMAND,
        stop_seconds: float = STOP_SECONDS,
        first_restart_delay: float = FIRST_RESTART_DELAY,
    ) -> None:
        self.size = size
        self.env = dict(env)
        self.command = tuple(command)
        self.stop_seconds = stop_seconds
        self.first_restart_delay = first_restart_delay
        self.processes: dict[int, asyncio.subprocess.Process] = {}
        self.crashes: deque[float] = deque()
        self.gave_up = False
        self.exit_codes: list[int] = []

    async def run(self, stop: asyncio.Event) -> int:
        """Start the workers, keep them running, and stop them all when `stop` is set."""
        log.info("starting Slack workers", extra={"workers": self.size, "port": self.env.get("SLACK_PORT")})
        slots = [
            asyncio.create_task(self._keep(slot, stop), name=f"factbot-worker-{slot}") for slot in range(self.size)
        ]
        try:
            await stop.wait()
        finally:
            stop.set()  # also when cancelled: each slot stops its own worker, so none is left running
            await asyncio.gather(*slots, return_exceptions=True)
        if self.gave_up:
            return 1
        # -SIGTERM: a worker still starting, before it could catch the signal; it had nothing in flight.
        return 0 if all(code in (0, -signal.SIGTERM) for code in self.exit_codes) else 1

    async def _keep(self, slot: int, stop: asyncio.Event) -> None:
        """Run one worker, replacing it whenever it dies or cannot start; stop it when `stop` is set."""
        # The slot that started a process stops it, so a worker started while `stop` was being set is stopped too.
        delay = self.first_restart_delay
        while not stop.is_set():
            started = time.monotonic()
            try:
                process = await asyncio.create_subprocess_exec(
                    *self.command, env=self.env, stdin=asyncio.subprocess.PIPE
                )
            except (OSError, ValueError) as exc:  # no executable, no memory, too many processes or files, ...
                log.error("Slack worker could not be started", extra={"slot": slot, "error": str(exc)})
            else:
                self.processes[slot] = process
                log.info("Slack worker started", extra={"slot": slot, "pid": process.pid})
                try:
                    code = await self._until_exit_or_stop(process, stop)
                finally:
                    if process.stdin is not None:
                        process.stdin.close()
                    worker_exited(process.pid, self.env.get(MULTIPROCESS_ENV))
                if stop.is_set():
                    self.exit_codes.append(code)
                    return
                log.error("Slack worker exited unexpectedly", extra={"slot": slot, "pid": process.pid, "status": code})
            now = time.monotonic()
            self.crashes.append(now)
            while self.crashes and now - self.crashes[0] > CRASH_WINDOW_SECONDS:
                self.crashes.popleft()
            if len(self.crashes) > MAX_CRASHES:
                log.error("Slack workers keep dying; stopping", extra={"deaths_in_a_minute": len(self.crashes)})
                self.gave_up = True
                stop.set()
                return
            delay = self.first_restart_delay if now - started > CRASH_WINDOW_SECONDS else delay
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, MAX_RESTART_DELAY)

    async def _until_exit_or_stop(self, process: asyncio.subprocess.Process, stop: asyncio.Event) -> int:
        """The worker's exit status: when it dies, or once `stop` is set, after SIGTERM (SIGKILL if it is late)."""
        exited = asyncio.ensure_future(process.wait())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if exited.done():
            return exited.result()
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(asyncio.shield(exited), self.stop_seconds)
        except TimeoutError:
            log.error("Slack worker did not stop in time; killing it", extra={"pid": process.pid})
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            return await exited


@contextlib.contextmanager
def supervised(stop: asyncio.Event) -> Iterator[None]:
    """Set `stop` when stdin, the supervisor's pipe, reaches end of file: the supervisor is gone."""
    loop = asyncio.get_running_loop()
    if sys.stdin is None:
        yield
        return
    fd = sys.stdin.fileno()

    def readable() -> None:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(fd)
            if not stop.is_set():
                log.warning("the supervisor is gone; stopping")
                stop.set()

    loop.add_reader(fd, readable)
    try:
        yield
    finally:
        loop.remove_reader(fd)
