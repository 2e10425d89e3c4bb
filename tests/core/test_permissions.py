"""Moderator status comes from configured ids, checked in the core."""

from __future__ import annotations

from bot.core.permissions import ModeratorConfig, is_moderator
from bot.domain.models import Actor


def actor(**kwargs) -> Actor:
    base = {"platform": "discord", "user_id": "u1", "workspace_id": "g1"}
    return Actor(**(base | kwargs))


def test_configured_user_or_role_is_a_moderator_only_on_that_platform_and_workspace():
    config = ModeratorConfig(user_ids=frozenset({"discord:u1"}), role_ids=frozenset({"discord:g2:r9"}))
    assert is_moderator(actor(), config)
    assert not is_moderator(actor(platform="slack"), config)
    assert is_moderator(actor(user_id="u2", workspace_id="g2", roles=frozenset({"r9"})), config)
    assert not is_moderator(actor(user_id="u2", workspace_id="g1", roles=frozenset({"r9"})), config)


def test_platform_admins_are_trusted_only_when_configured():
    admin = actor(user_id="boss", is_platform_admin=True)
    assert is_moderator(admin, ModeratorConfig())
    assert not is_moderator(admin, ModeratorConfig(trust_platform_admins=False))


def test_bots_are_never_moderators():
    config = ModeratorConfig(user_ids=frozenset({"discord:u1"}))
    assert not is_moderator(actor(is_bot=True), config)
