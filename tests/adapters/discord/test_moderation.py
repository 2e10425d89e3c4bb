"""The /mod group: the core decides who is a moderator; modals add and edit; the sync payload is a hint only."""

from __future__ import annotations

import json
import re

import discord
from discord import app_commands
from sqlalchemy import select

from bot.adapters.discord.moderation import moderator_group
from bot.adapters.discord.runner import sync_commands
from bot.core.commands import CommandSpec
from bot.core.params import Kind, Param
from bot.core.permissions import Authority
from bot.core.registry import default_registry
from bot.storage.tables import audit_log
from tests.adapters.discord.conftest import interact, wait_reply
from tests.fakes import fake_discord as fd

EVIDENCE = (
    "title: Ship log six\ndate: 1816-11\nsource: Fixture archive\nurl: https://example.org/log/6\n"
    "stance: contradicts\nexcerpt: Water cold, sixth excerpt."
)


def leaf_names(group: app_commands.Group) -> set[str]:
    names = set()
    for child in group.walk_commands():
        if isinstance(child, app_commands.Command):
            names.add(child.qualified_name.removeprefix(f"{group.name} "))
    return names


def test_every_moderation_command_of_the_core_is_in_the_mod_group():
    core = {spec.name for spec in default_registry().specs() if spec.authority > Authority.MEMBER}
    assert "claim add" in core and "stats" in core
    assert core == leaf_names(moderator_group(default_registry()))


async def audit_outcomes(services) -> list[tuple[str, str, str]]:
    async with services.database.engine.connect() as connection:
        rows = await connection.execute(select(audit_log.c.actor_id, audit_log.c.action, audit_log.c.outcome))
        return [tuple(row) for row in rows]


async def test_a_moderator_command_is_refused_without_permission_and_the_refusal_audited(bot, fake, services):
    payload = fd.interaction(fd.command("mod", "claim", "retire", id="ocean-boiled"), by=fd.ALICE)
    [callback] = await interact(fake, payload)
    data = callback.body["data"]
    assert data["flags"] & fd.EPHEMERAL
    assert data["content"].startswith("`claim retire` is for catalogue editors only")
    assert (str(fd.ALICE), "claim retire", "refused") in await audit_outcomes(services)
    assert (await services.catalogue.current()).claims["ocean-boiled"].claim.is_active


async def test_a_moderator_command_is_accepted_from_a_moderator_role(bot, fake, services):
    payload = fd.interaction(fd.command("mod", "claim", "retire", id="ocean-boiled", reason="test"), by=fd.MODERATOR)
    [callback] = await interact(fake, payload)
    assert callback.body["data"]["flags"] & fd.EPHEMERAL
    services.catalogue.invalidate()
    assert not (await services.catalogue.current()).claims["ocean-boiled"].claim.is_active


async def test_administrators_moderate_their_server_but_only_editors_change_the_shared_catalogue(bot, fake, services):
    # Manage Messages (what default_permissions asks for) is only a hint; Administrator makes a community moderator.
    hinted = fd.interaction(fd.command("mod", "watch", mode="on"), permissions=fd.MANAGE_MESSAGES)
    [refused] = await interact(fake, hinted)
    assert refused.body["data"]["content"] == "`watch` is for moderators of this community only."
    admin = fd.interaction(fd.command("mod", "watch", mode="on"), permissions=fd.ADMINISTRATOR)
    [accepted] = await interact(fake, admin)
    assert "This channel is watched" in accepted.body["data"]["content"]
    retire = fd.interaction(fd.command("mod", "claim", "retire", id="ocean-boiled"), permissions=fd.ADMINISTRATOR)
    [not_an_editor] = await interact(fake, retire)
    assert not_an_editor.body["data"]["content"].startswith("`claim retire` is for catalogue editors only")
    assert (await services.catalogue.current()).claims["ocean-boiled"].claim.is_active


async def test_claim_edit_opens_a_prefilled_modal_and_its_submission_saves_a_new_version(bot, fake, services):
    [callback] = await interact(
        fake, fd.interaction(fd.command("mod", "claim", "edit", id="ocean-boiled"), by=fd.MODERATOR)
    )
    assert callback.body["type"] == 9
    modal = callback.body["data"]
    assert modal["title"] == "Edit a claim: ocean-boiled"
    submitted = fd.modal_submission(
        modal, {"Summary (neutral, our own words)": "A new neutral summary."}, by=fd.MODERATOR
    )
    [answer] = await interact(fake, submitted)
    assert answer.body["data"]["flags"] & fd.EPHEMERAL
    services.catalogue.invalidate()
    stored = (await services.catalogue.current()).claims["ocean-boiled"]
    assert (stored.version, stored.claim.summary) == (2, "A new neutral summary.")
    assert stored.claim.claim == "The Atlantic ocean boiled during the summer of 1816."  # the pre-filled value


async def test_claim_add_modal_creates_a_claim(bot, fake, services):
    [callback] = await interact(fake, fd.interaction(fd.command("mod", "claim", "add"), by=fd.MODERATOR))
    values = {
        "Id (lowercase-with-hyphens)": "sun-rises-west",
        "Claim, as people assert it": "The sun rises in the west.",
        "Verdict": "false",
        "Summary (neutral, our own words)": "Test summary.",
        "First evidence (one field per line)": EVIDENCE,
    }
    [answer] = await interact(fake, fd.modal_submission(callback.body["data"], values, by=fd.MODERATOR))
    assert "sun-rises-west" in str(answer.body["data"])
    services.catalogue.invalidate()
    assert "sun-rises-west" in (await services.catalogue.current()).claims


async def test_a_modal_is_refused_without_permission_even_if_a_moderator_opened_it(bot, fake, services):
    [callback] = await interact(
        fake, fd.interaction(fd.command("mod", "claim", "edit", id="ocean-boiled"), by=fd.MODERATOR)
    )
    submitted = fd.modal_submission(callback.body["data"], {"Verdict": "accurate"}, by=fd.ALICE)
    [answer] = await interact(fake, submitted)
    assert answer.body["data"]["content"].startswith("`claim edit` is for catalogue editors only")
    assert (str(fd.ALICE), "claim edit", "refused") in await audit_outcomes(services)
    services.catalogue.invalidate()
    assert (await services.catalogue.current()).claims["ocean-boiled"].version == 1


async def test_a_non_moderator_gets_no_modal(bot, fake):
    [callback] = await interact(fake, fd.interaction(fd.command("mod", "claim", "add"), by=fd.ALICE))
    assert callback.body["type"] == 4
    assert callback.body["data"]["content"].startswith("`claim add` is for catalogue editors only")


async def test_sync_registers_every_command_with_default_permissions_as_a_hint(settings, fake, capsys):
    assert await sync_commands(settings, None) == 0
    [put] = fake.sent(rf"/applications/{fd.APP_ID}/commands", method="PUT")
    by_name = {c["name"]: c for c in put.body}
    assert set(by_name) == {"factcheck", "claim", "mod", "Fact-check this message"}
    assert by_name["Fact-check this message"]["type"] == 3
    assert int(by_name["mod"]["default_member_permissions"]) == fd.MANAGE_MESSAGES
    assert by_name["mod"]["contexts"] == [0]
    assert by_name["factcheck"]["default_member_permissions"] is None
    out = capsys.readouterr().out
    assert "Synced 4 commands globally" in out and "permissions=274878024704" in out


async def test_sync_to_one_guild_for_development(settings, fake):
    assert await sync_commands(settings, fd.GUILD_ID) == 0
    [put] = fake.sent(rf"/applications/{fd.APP_ID}/guilds/{fd.GUILD_ID}/commands", method="PUT")
    assert {c["name"] for c in put.body} == {"factcheck", "claim", "mod", "Fact-check this message"}
    assert fake.sent(rf"/applications/{fd.APP_ID}/commands", method="PUT") == []


async def test_running_the_bot_never_syncs_commands(bot, fake):
    assert [r for r in fake.requests if r.method == "PUT"] == []


async def test_stats_come_with_the_chart_as_an_attachment(bot, fake):
    payload = fd.interaction(fd.command("mod", "stats", period="7d"), by=fd.MODERATOR)
    await fake.dispatch("INTERACTION_CREATE", payload)
    # Drawing the chart may take long enough to be deferred; either way the answer carries the PNG.
    [answer] = await fake.wait_for(lambda: [r for r in fake.requests if payload["token"] in r.path and r.files])
    assert [name.endswith(".png") for name in answer.files] == [True]
    body = answer.body.get("data", answer.body)
    assert body["flags"] & fd.EPHEMERAL and body["allowed_mentions"] == {"parse": []}


PHISHING = "[Discord Trust & Safety: verify your account](https://evil.example/login)"
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*\]\(\s*<?https?://")


async def test_a_report_that_looks_like_a_link_is_shown_to_moderators_as_text(bot, fake, services):
    sent = await fake.send_message(f"<@{fd.BOT_ID}> report {PHISHING} | see {PHISHING}")
    filed = (await wait_reply(fake, sent)).response
    assert "moderators" in json.dumps(filed)
    [listed] = await interact(fake, fd.interaction(fd.command("mod", "queue", "list"), by=fd.MODERATOR))
    data = listed.body["data"]
    shown = json.dumps(data, ensure_ascii=False)
    assert "Discord Trust & Safety" in shown
    texts = [data.get("content") or ""] + [e.get("description") or "" for e in data.get("embeds", [])]
    assert not any(MASKED_LINK.search(t) for t in texts), texts


def test_a_new_moderator_command_is_one_spec_and_discord_gets_its_typed_options():
    async def handler(ctx, args):
        return []

    registry = default_registry()
    registry.add(
        CommandSpec(
            "queue merge",
            "merge two reports",
            handler,
            (
                Param("number", Kind.NUMBER, "The report to keep"),
                Param("other", Kind.NUMBER, "The report to fold in"),
                Param("how", Kind.CHOICE, "Which text wins", required=False, choices=("first", "second")),
            ),
            authority=Authority.COMMUNITY_MODERATOR,
        )
    )
    [merge] = [c for c in moderator_group(registry).walk_commands() if c.qualified_name == "mod queue merge"]
    options = {p.display_name: p for p in merge.parameters}
    assert list(options) == ["number", "other", "how"]
    assert options["number"].required and options["number"].type is discord.AppCommandOptionType.integer
    assert not options["how"].required and [c.value for c in options["how"].choices] == ["first", "second"]
    translate = next(
        c for c in moderator_group(registry).walk_commands() if c.qualified_name == "mod evidence translate"
    )
    assert [p.display_name for p in translate.parameters] == ["id", "number", "lang", "translated-by", "translation"]
