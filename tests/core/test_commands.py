"""The shared command grammar and the commands anyone may use."""

from __future__ import annotations

import pytest

from bot.core.commands import CommandRegistry, CommandSpec, basic_registry, info
from bot.domain.models import ReplyKind


async def _noop(ctx, args):
    return [info(args)]


def test_longest_command_name_wins_and_the_rest_is_the_argument():
    registry = basic_registry()
    spec, args = registry.resolve("claim show nato-never-promised")
    assert spec.name == "claim show" and args == "nato-never-promised"
    spec, args = registry.resolve("factcheck   NATO promised  things")
    assert spec.name == "factcheck" and args == "NATO promised  things"


def test_alias_that_would_swallow_free_text_falls_back_to_factcheck():
    registry = basic_registry()
    spec, args = registry.resolve("factcheck show nato-never-promised")
    assert spec.name == "claim show"
    spec, args = registry.resolve("factcheck show me where NATO promised anything")
    assert spec.name == "factcheck" and args.startswith("show me where")


def test_names_must_be_unique():
    registry = CommandRegistry()
    registry.add(CommandSpec("x", "x", _noop))
    with pytest.raises(ValueError, match="registered twice"):
        registry.add(CommandSpec("y", "y", _noop, aliases=("x",)))


def test_every_command_has_help_and_usage():
    for spec in basic_registry().specs():
        assert spec.help.strip() and spec.usage.startswith(spec.name.split()[0])


async def test_claim_show_unknown_id_suggests_closest(fake):
    replies = await fake.command("claim show moon-landing-stagd")
    assert replies[0].kind is ReplyKind.ERROR
    assert "`moon-landing-staged`" in replies[0].text


async def test_claim_show_without_id_explains(fake):
    replies = await fake.command("claim show")
    assert replies[0].kind is ReplyKind.ERROR and "claim show ID" in replies[0].text


async def test_claim_show_includes_retired_claims(fake):
    replies = await fake.command("claim show retired-fixture-claim")
    assert replies[0].kind is ReplyKind.CLAIM and not replies[0].claim.is_active


async def test_claim_search_lists_matching_claims_with_ids(fake):
    replies = await fake.command("claim search moon landing")
    assert replies[0].kind is ReplyKind.SEARCH_RESULTS and replies[0].ephemeral
    ids = [claim.id for claim, _ in replies[0].candidates]
    assert set(ids) >= {"moon-landing-staged", "moon-landing-real"}


async def test_claim_search_matches_ids_too(fake):
    replies = await fake.command("claim search microchips")
    assert "vaccines-contain-microchips" in [c.id for c, _ in replies[0].candidates]


async def test_claim_search_with_no_hit_says_so(fake):
    replies = await fake.command("claim search zzzz qqqq")
    assert replies[0].kind is ReplyKind.INFO and "No claim matches" in replies[0].text


async def test_factcheck_without_text_is_a_helpful_error(fake):
    replies = await fake.command("factcheck   ")
    assert replies[0].kind is ReplyKind.ERROR and replies[0].ephemeral and "factcheck NATO" in replies[0].text


async def test_factcheck_of_huge_text_is_bounded(fake):
    replies = await fake.command("factcheck " + "the moon landing was staged " * 40_000)
    assert replies[0].kind in {ReplyKind.FACT_CHECK, ReplyKind.NO_MATCH}


async def test_help_lists_every_command(fake):
    text = (await fake.command("help"))[0].text
    for name in ("factcheck TEXT", "claim show ID", "claim search WORDS"):
        assert name in text
