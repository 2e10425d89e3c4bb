"""Workspace owners and admins, asked of Slack (users.info), so they moderate their own workspace as Discord's do.

Slack puts no role in event payloads, so a person's standing comes from `users.info` with the installation's
token, cached per workspace and person. Only a person whose own team is the workspace the request came from
counts: a Slack Connect guest who administers another workspace is a member here. Any failure counts as "not an
admin" (logged): a missing `users:read` scope or an outage must never grant anything.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.models import Actor

log = logging.getLogger(__name__)

ADMIN_TTL_SECONDS = 300.0  # a promotion or demotion in Slack takes effect in factbot within this
FAILURE_TTL_SECONDS = 60.0  # after a failed look-up, how long "not an admin" stands before asking again
MAX_CACHED = 10_000


class WorkspaceAdmins:
    """Marks an actor as a platform admin when Slack says they own or administer the workspace they act in."""

    def __init__(self, *, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self._clock = clock
        self._known: OrderedDict[tuple[str, str], tuple[float, bool]] = OrderedDict()

    async def elevate(self, client: AsyncWebClient, actor: Actor) -> Actor:
        """The actor, marked `is_platform_admin` if Slack says so; unchanged when trust in admins is off."""
        if not self.enabled or actor.is_bot or actor.is_self or not actor.user_id or not actor.workspace_id:
            return actor
        if await self._is_admin(client, actor.workspace_id, actor.user_id):
            return replace(actor, is_platform_admin=True)
        return actor

    async def _is_admin(self, client: AsyncWebClient, team: str, user: str) -> bool:
        key = (team, user)
        now = self._clock()
        cached = self._known.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response = await client.users_info(user=user)
        except SlackApiError as exc:
            reason = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
            log.warning(
                "could not ask Slack whether a person is a workspace admin", extra={"team": team, "error": reason}
            )
            self._remember(key, now + FAILURE_TTL_SECONDS, False)
            return False
        profile = response.get("user") or {}
        admin = (
            profile.get("team_id") == team
            and not profile.get("deleted")
            and not profile.get("is_restricted")
            and bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))
        )
        self._remember(key, now + ADMIN_TTL_SECONDS, admin)
        return admin

    def _remember(self, key: tuple[str, str], expires: float, admin: bool) -> None:
        self._known[key] = (expires, admin)
        self._known.move_to_end(key)
        while len(self._known) > MAX_CACHED:
            self._known.popitem(last=False)
