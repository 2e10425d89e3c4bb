"""Who may do what where: editors from configured ids anywhere, community moderators only inside their community."""

from __future__ import annotations

import pytest

from bot.core.permissions import AccessConfig, Authority, authority
from bot.domain.models import Actor, Origin
from bot.settings import ModeratorSettings, SettingsError, load_settings


def actor(**kwargs) -> Actor:
    base = {"platform": "discord", "user_id": "u1", "workspace_id": "g1"}
    return Actor(**(base | kwargs))


def origin(workspace: str = "g1", **kwargs) -> Origin:
    return Origin(**({"platform": "discord", "channel_id": "c1", "workspace_id": workspace} | kwargs))


def test_configured_editors_are_editors_in_every_community_and_in_direct_messages():
    config = AccessConfig(editor_user_ids=frozenset({"discord:u1"}), editor_role_ids=frozenset({"discord:g2:r9"}))
    assert authority(actor(), origin(), config) is Authority.EDITOR
    assert authority(actor(workspace_id="g7"), origin("g7"), config) is Authority.EDITOR
    assert authority(actor(workspace_id=""), origin("", is_direct=True), config) is Authority.EDITOR
    assert authority(actor(platform="slack"), origin(platform="slack"), config) is Authority.MEMBER
    # A role scoped to server g2 counts only for roles issued by g2.
    assert authority(actor(user_id="u2", workspace_id="g2", roles=frozenset({"r9"})), origin("g2"), config) is (
        Authority.EDITOR
    )
    assert authority(actor(user_id="u2", workspace_id="g1", roles=frozenset({"r9"})), origin(), config) is (
        Authority.MEMBER
    )


def test_a_server_owner_or_administrator_is_a_moderator_of_that_server_only_and_never_an_editor():
    owner = actor(user_id="stranger", workspace_id="g2", is_platform_admin=True)
    config = AccessConfig()
    assert authority(owner, origin("g2"), config) is Authority.COMMUNITY_MODERATOR
    # The same person's admin rights in g2 say nothing about g1, even if an event claimed otherwise.
    assert authority(owner, origin("g1"), config) is Authority.MEMBER
    assert authority(owner, origin("", is_direct=True), config) is Authority.MEMBER
    assert authority(owner, origin("g2"), AccessConfig(trust_platform_admins=False)) is Authority.MEMBER


def test_a_configured_community_moderator_acts_only_where_the_configuration_names():
    config = AccessConfig(
        moderator_user_ids=frozenset({"slack:T1:U1"}), moderator_role_ids=frozenset({"discord:g1:r1"})
    )
    slack_user = actor(platform="slack", user_id="U1", workspace_id="T1")
    assert authority(slack_user, origin("T1", platform="slack"), config) is Authority.COMMUNITY_MODERATOR
    # In a channel of workspace T2 (Slack Connect), the T1 moderator is a member.
    assert authority(slack_user, origin("T2", platform="slack"), config) is Authority.MEMBER
    assert authority(actor(roles=frozenset({"r1"})), origin(), config) is Authority.COMMUNITY_MODERATOR
    assert authority(actor(roles=frozenset({"r1"}), workspace_id="g2"), origin("g2"), config) is Authority.MEMBER


def test_an_unscoped_community_moderator_grants_nothing_and_is_refused_by_the_settings(monkeypatch):
    config = AccessConfig(moderator_user_ids=frozenset({"discord:u1"}))
    assert authority(actor(), origin(), config) is Authority.MEMBER
    with pytest.raises(ValueError, match="names no community"):
        ModeratorSettings(user_ids=["discord:u1"])
    monkeypatch.setenv("MODERATORS_USER_IDS", "discord:123")
    with pytest.raises(SettingsError, match="EDITORS_USER_IDS"):
        load_settings()


def test_bots_and_the_bot_itself_have_no_authority():
    config = AccessConfig(editor_user_ids=frozenset({"discord:u1"}))
    assert authority(actor(is_bot=True), origin(), config) is Authority.MEMBER
    assert authority(actor(is_self=True, is_platform_admin=True), origin(), config) is Authority.MEMBER


def test_an_actor_from_another_platform_has_no_authority_here():
    config = AccessConfig(editor_user_ids=frozenset({"slack:u1"}))
    assert authority(actor(platform="slack"), origin(), config) is Authority.MEMBER


def test_community_names_platform_and_workspace():
    assert origin("g1").community == "discord:g1"
    assert origin("T1", platform="slack").community == "slack:T1"
