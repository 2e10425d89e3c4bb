"""Who may do what where: the one place that decides, from configured ids, whatever a platform's own settings say.

A community is a Discord server, a Slack workspace or the console. Editors curate the shared catalogue that every
community is answered from; only the deployment names them. Community moderators act inside one community only:
its channels and its reports. Platform administrators are community moderators of their own community (while
trusted), never editors, since anyone can create a Discord server or a Slack workspace and add the bot to it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.models import Actor, Origin


class Authority(enum.IntEnum):
    """What a command needs, and what a person has in the community a command is used in; higher includes lower."""

    MEMBER = 0
    COMMUNITY_MODERATOR = 1
    EDITOR = 2


@dataclass(frozen=True, slots=True)
class AccessConfig:
    """Editors by `platform:id` or `platform:workspace:id`; community moderators by `platform:workspace:id` only."""

    editor_user_ids: frozenset[str] = frozenset()
    editor_role_ids: frozenset[str] = frozenset()
    moderator_user_ids: frozenset[str] = frozenset()
    moderator_role_ids: frozenset[str] = frozenset()
    trust_platform_admins: bool = True

    @classmethod
    def build(
        cls,
        *,
        editor_user_ids: Iterable[str] = (),
        editor_role_ids: Iterable[str] = (),
        moderator_user_ids: Iterable[str] = (),
        moderator_role_ids: Iterable[str] = (),
        trust_platform_admins: bool = True,
    ) -> AccessConfig:
        """Build from plain setting values (settings refuse a community moderator written without a community)."""
        return cls(
            frozenset(editor_user_ids),
            frozenset(editor_role_ids),
            frozenset(moderator_user_ids),
            frozenset(moderator_role_ids),
            trust_platform_admins,
        )


def _listed(actor: Actor, user_ids: frozenset[str], role_ids: frozenset[str], workspaces: Iterable[str]) -> bool:
    prefixes = [f"{actor.platform}:{w}:" if w else f"{actor.platform}:" for w in workspaces]
    if any(f"{p}{actor.user_id}" in user_ids for p in prefixes):
        return True
    return any(f"{p}{role}" in role_ids for role in actor.roles for p in prefixes)


def authority(actor: Actor, origin: Origin, config: AccessConfig) -> Authority:
    """What this person may do here: editor anywhere, community moderator only inside their community."""
    if actor.is_bot or actor.is_self or actor.platform != origin.platform:
        return Authority.MEMBER
    # Editors are named by the deployment; `platform:workspace:id` limits the name to ids issued by that workspace.
    if _listed(actor, config.editor_user_ids, config.editor_role_ids, ("", actor.workspace_id)):
        return Authority.EDITOR
    if not origin.workspace_id or origin.is_direct:
        return Authority.MEMBER  # a direct message belongs to no community
    # The community is where the command is used, not where the person comes from (Slack Connect, shared channels):
    # a moderator of another workspace, or its admin, has no authority here.
    if _listed(actor, config.moderator_user_ids, config.moderator_role_ids, (origin.workspace_id,)):
        return Authority.COMMUNITY_MODERATOR
    if config.trust_platform_admins and actor.is_platform_admin and actor.workspace_id == origin.workspace_id:
        return Authority.COMMUNITY_MODERATOR
    return Authority.MEMBER
