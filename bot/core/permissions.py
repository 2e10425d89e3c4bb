"""Who is a moderator: decided in the core from configured ids, whatever the platform's own settings say."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.models import Actor


@dataclass(frozen=True, slots=True)
class ModeratorConfig:
    """Moderators by user id or role id, written `platform:id` or `platform:workspace:id`."""

    user_ids: frozenset[str] = frozenset()
    role_ids: frozenset[str] = frozenset()
    trust_platform_admins: bool = True

    @classmethod
    def build(cls, *, user_ids: Iterable[str], role_ids: Iterable[str], trust_platform_admins: bool) -> ModeratorConfig:
        """Build from plain setting values."""
        return cls(frozenset(user_ids), frozenset(role_ids), trust_platform_admins)


def _refs(actor: Actor, ident: str) -> tuple[str, str]:
    return f"{actor.platform}:{ident}", f"{actor.platform}:{actor.workspace_id}:{ident}"


def is_moderator(actor: Actor, config: ModeratorConfig) -> bool:
    """True for configured users, holders of configured roles, and platform admins where trusted."""
    if actor.is_bot or actor.is_self:
        return False
    if config.trust_platform_admins and actor.is_platform_admin:
        return True
    if any(ref in config.user_ids for ref in _refs(actor, actor.user_id)):
        return True
    return any(ref in config.role_ids for role in actor.roles for ref in _refs(actor, role))
