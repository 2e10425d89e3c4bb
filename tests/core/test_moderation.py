"""Moderation end to end on a real database: editing with versions, history, undo, permissions, audit."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select, text, update

from bot.domain.models import ReplyKind
from bot.storage.tables import audit_log, claim_revisions
from tests.fakes.fake_adapter import make_actor

MOD = make_actor("mia", moderator=True)
USER = make_actor("uma")
EVIDENCE = "Fixture doc | 1972-12 | Fixture archive | https://example.org/fixture/six | contradicts | A quote."
NEW_CLAIM = (
    "claim add tides-caused-by-wind | Ocean tides are caused by the wind. | false | Tides follow the Moon. | "
    + EVIDENCE
)


async def test_moderator_lifecycle_add_match_edit_retire_undo_history(db_fake):
    added = await db_fake.command(NEW_CLAIM, actor=MOD)
    assert added[0].kind is ReplyKind.CLAIM and "now v1" in added[0].text and added[0].ephemeral
    assert (await db_fake.say("you know ocean tides are caused by the wind, right"))[
        0
    ].claim.id == "tides-caused-by-wind"

    edited = await db_fake.command("claim edit tides-caused-by-wind verdict mostly-false", actor=MOD)
    assert "now v2" in edited[0].text and "verdict: false \u2192 mostly-false" in edited[0].text

    retired = await db_fake.command("claim retire tides-caused-by-wind | duplicate", actor=MOD)
    assert "now v3" in retired[0].text
    replies = await db_fake.command("factcheck ocean tides are caused by the wind", actor=USER)
    assert all(r.claim is None or r.claim.id != "tides-caused-by-wind" for r in replies)

    history = (await db_fake.command("claim history tides-caused-by-wind", actor=MOD))[0].text
    lines = history.splitlines()[1:]
    assert [line.split()[2] for line in lines] == ["retire", "edit", "add"]
    assert "by mia" in lines[0] and "duplicate" in lines[0]
    retire_revision = lines[0].split()[0].lstrip("#")

    undone = await db_fake.command(f"undo {retire_revision}", actor=MOD)
    assert "now v4" in undone[0].text
    assert (await db_fake.command("factcheck ocean tides are caused by the wind"))[0].claim.id == "tides-caused-by-wind"
    latest = (await db_fake.command("claim history tides-caused-by-wind", actor=MOD))[0].text.splitlines()[1]
    assert f"undo of revision #{retire_revision}" in latest


async def test_undo_restores_the_previous_state_exactly(services, db_fake):
    before = await services.store.get("moon-landing-real")
    await db_fake.command("claim edit moon-landing-real summary A new summary.", actor=MOD)
    history = await services.store.history("moon-landing-real")
    await db_fake.command(f"undo {history[0].id}", actor=MOD)
    after = await services.store.get("moon-landing-real")
    assert after.claim == before.claim and after.version == before.version + 2


async def test_undo_of_an_add_retires_and_undo_of_an_older_revision_is_refused(services, db_fake):
    await db_fake.command(NEW_CLAIM, actor=MOD)
    add_revision = (await services.store.history("tides-caused-by-wind"))[0].id
    await db_fake.command("alias add tides-caused-by-wind | the wind makes the tides", actor=MOD)
    refused = await db_fake.command(f"undo {add_revision}", actor=MOD)
    assert "is not the latest change" in refused[0].text and refused[0].ephemeral
    latest = (await services.store.history("tides-caused-by-wind"))[0].id
    await db_fake.command(f"undo {latest}", actor=MOD)
    add_again = await db_fake.command(f"undo {add_revision}", actor=MOD)
    assert "is not the latest" in add_again[0].text
    # Undo the alias-removal undo chain back to creation, then undo the creation: the claim is retired.
    history = await services.store.history("tides-caused-by-wind")
    assert [r.action for r in history] == ["undo", "alias add", "add"]


async def test_stale_version_is_refused_with_who_and_when(db_fake):
    await db_fake.command("claim edit moon-landing-real@1 verdict mostly-accurate", actor=MOD)
    stale = await db_fake.command("claim edit moon-landing-real@1 verdict disputed", actor=MOD)
    assert stale[0].kind is ReplyKind.ERROR
    assert "was changed by mia" in stale[0].text and "UTC" in stale[0].text and "Reload" in stale[0].text


async def test_two_concurrent_editors_one_wins_the_other_is_told_nothing_lost(services):
    dispatcher = services.dispatcher
    a = dispatcher.run_command(
        make_actor("ann", moderator=True), dispatcher_origin(), "claim edit moon-landing-real@1 summary Ann's summary."
    )
    b = dispatcher.run_command(
        make_actor("bob", moderator=True), dispatcher_origin(), "claim edit moon-landing-real@1 summary Bob's summary."
    )
    results = await asyncio.gather(a, b)
    texts = [r[0].text for r in results]
    assert sum("Saved" in t for t in texts) == 1 and sum("was changed by" in t for t in texts) == 1
    stored = await services.store.get("moon-landing-real")
    winner = "Ann" if "Saved" in texts[0] else "Bob"
    assert stored.version == 2 and stored.claim.summary == f"{winner}'s summary."
    assert [r.version for r in await services.store.history("moon-landing-real")] == [2, 1]


def dispatcher_origin():
    from bot.domain.models import Origin

    return Origin(platform="fake", channel_id="c9", workspace_id="w1", message_id="x")


REFUSALS = ("`report TEXT | REASON`.", "for moderators of this community only.")
MUTATING = [
    NEW_CLAIM,
    "claim edit moon-landing-real verdict false",
    "claim retire moon-landing-real",
    "claim restore moon-landing-real",
    "claim history moon-landing-real",
    "alias add moon-landing-real | x y z",
    "alias remove moon-landing-real | 1",
    f"evidence add moon-landing-real | {EVIDENCE}",
    "evidence remove moon-landing-real | 1",
    "undo 1",
    "queue list",
    "queue resolve 1",
    "queue dismiss 1",
    f"queue to-claim 1 | new-id | false | s | {EVIDENCE}",
    "queue to-alias 1 | moon-landing-real",
    "watch on",
    "mute 1h",
    "stats",
]


@pytest.mark.parametrize("line", MUTATING, ids=[m.split(" |")[0][:30] for m in MUTATING])
async def test_non_moderators_are_refused_every_moderator_command_and_it_is_audited(services, db_fake, line):
    version = services.store and (await services.store.get("moon-landing-real")).version
    replies = await db_fake.command(line, actor=USER)
    assert replies[0].kind is ReplyKind.ERROR and replies[0].ephemeral and replies[0].text.endswith(REFUSALS)
    assert (await services.store.get("moon-landing-real")).version == version
    async with services.database.engine.connect() as connection:
        outcomes = (await connection.execute(select(audit_log.c.outcome, audit_log.c.actor_id))).all()
    assert ("refused", "uma") in [tuple(o) for o in outcomes]


BAD_INPUTS = [
    ("claim edit moon-landing-reel verdict false", "Did you mean `moon-landing-real`"),
    ("claim edit moon-landing-real verdict wrongish", "verdict: 'wrongish' is not a verdict; use one of: accurate,"),
    ("claim edit moon-landing-real colour blue", "cannot be edited this way"),
    ("claim edit moon-landing-real", "Usage: `claim edit"),
    ("claim add x | y", "Usage: `claim add ID | CLAIM"),
    (NEW_CLAIM.replace("https://", "http://"), "url: must be https."),
    (NEW_CLAIM.replace("A quote.", "q" * 1001), "excerpt: is 1,001 characters; the limit is 1,000."),
    (NEW_CLAIM.replace("1972-12", "12/1972"), "date: '12/1972' is not a date"),
    (NEW_CLAIM.replace("tides-caused-by-wind", "Tides Caused"), "is not a lowercase slug"),
    (NEW_CLAIM.replace("tides-caused-by-wind", "moon-landing-real"), "already exists"),
    (NEW_CLAIM.replace("| contradicts |", "| against |"), "stance: 'against' is not a stance"),
    ("alias add moon-landing-real | the moon landing was not faked", "repeats"),
    ("alias remove moon-landing-real | nothing like it", "has no alias"),
    ("alias remove moon-landing-real | 9", "has 2 aliases"),
    ("evidence remove moon-landing-real | 1", "needs at least one evidence item"),
    ("evidence remove moon-landing-real | two", "is not a evidence number"),
    ("undo 999999", "There is no revision #999999"),
    ("claim restore moon-landing-real", "already reads like that"),
    ("queue resolve 77", "There is no report #77"),
    ("mute forever", "is not a duration"),
    ("mute 90d", "between one second and 30 days"),
    ("watch sideways", "mode: 'sideways' is not a mode; use one of: on, off, trial, status."),
    ("stats fortnight", "is not a period"),
    ("stats 999999w", "A period is at most ten years"),
    ("reply details", "Usage: `reply details REF`"),
    ("evidence note moon-landing-real | 1 | " + "n" * 201, "the limit is 200"),
    ("evidence pin moon-landing-real | 0", "give a number from 1 to 1"),
    ("claim history no-such-claim", "No claim has the id `no-such-claim`"),
]


@pytest.mark.parametrize(("line", "expected"), BAD_INPUTS, ids=[b[1][:40] for b in BAD_INPUTS])
async def test_bad_input_gets_a_specific_private_message_and_changes_nothing(services, db_fake, line, expected):
    before = await services.source.catalogue_version()
    replies = await db_fake.command(line, actor=MOD)
    assert replies[0].kind is ReplyKind.ERROR and replies[0].ephemeral
    assert expected in replies[0].text, replies[0].text
    assert await services.source.catalogue_version() == before


async def test_history_is_append_only_in_the_database(services):
    async with services.database.engine.connect() as connection:
        with pytest.raises(Exception, match="append-only"):
            await connection.execute(update(claim_revisions).values(note="tampered"))
        await connection.rollback()
        with pytest.raises(Exception, match="append-only"):
            await connection.execute(audit_log.delete())


async def test_history_cannot_be_replaced_or_truncated(services, db_fake):
    await db_fake.command("claim edit moon-landing-real summary A real edit.", actor=MOD)
    async with services.database.engine.connect() as connection:
        real = (await connection.execute(select(claim_revisions).order_by(claim_revisions.c.id.desc()))).first()
        forged = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in real._mapping.items()}
        forged |= {"note": "forged", "actor_name": "mallory"}
        columns = ", ".join(forged)
        values = ", ".join(f":{name}" for name in forged)
        if services.database.is_sqlite:
            attempts = [
                (f"REPLACE INTO claim_revisions ({columns}) VALUES ({values})", forged),
                (f"INSERT OR REPLACE INTO claim_revisions ({columns}) VALUES ({values})", forged),
                (f"INSERT OR REPLACE INTO claim_revisions ({columns}) VALUES ({values})", forged | {"id": 10**6}),
                ("REPLACE INTO audit_log SELECT * FROM audit_log", {}),
            ]
        else:
            attempts = [("TRUNCATE claim_revisions", {}), ("TRUNCATE audit_log", {})]
        for statement, parameters in attempts:
            with pytest.raises(Exception, match="append-only"):
                await connection.execute(text(statement), parameters)
            await connection.rollback()
        after = (await connection.execute(select(claim_revisions).where(claim_revisions.c.id == real.id))).first()
        assert after == real
        assert (await connection.execute(select(func.count()).select_from(audit_log))).scalar() > 0


async def test_a_failure_inside_the_transaction_leaves_nothing_half_done(services, db_fake):
    """Fault injection in the database: the audit insert fails after the claim update; all of it rolls back."""
    if services.database.is_sqlite:
        ddl = (
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log WHEN NEW.target = 'moon-landing-real' "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
        statements = [ddl]
    else:
        statements = [
            "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.target = 'moon-landing-real' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_audit()",
        ]
    async with services.database.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    before = await services.store.get("moon-landing-real")
    revisions_before = len(await services.store.history("moon-landing-real"))
    replies = await db_fake.command("claim edit moon-landing-real verdict false", actor=MOD)
    assert replies[0].kind is ReplyKind.ERROR and "A database error stopped this" in replies[0].text
    assert await services.store.get("moon-landing-real") == before
    assert len(await services.store.history("moon-landing-real")) == revisions_before


async def test_forms_validate_like_commands_and_check_permission(services, db_fake):
    dispatcher = services.dispatcher
    origin = dispatcher_origin()
    assert set(dispatcher.forms()) >= {"claim add", "claim edit", "evidence add", "alias add", "report"}
    evidence = (
        "title: Fixture doc\ndate: 1972-12\nsource: Fixture archive\nurl: https://example.org/f/7\n"
        'stance: contradicts\nexcerpt: "A quote: with a colon."'
    )
    fields = {
        "id": "tides-caused-by-wind",
        "claim": "Ocean tides are caused by the wind.",
        "verdict": "false",
        "summary": "Tides follow the Moon.",
        "evidence": evidence,
    }
    refused = await dispatcher.submit_form(USER, origin, "claim add", fields)
    assert "for catalogue editors only" in refused[0].text
    added = await dispatcher.submit_form(MOD, origin, "claim add", fields)
    assert "now v1" in added[0].text
    assert added[0].claim.evidence[0].excerpt == "A quote: with a colon."
    bad_block = await dispatcher.submit_form(MOD, origin, "claim add", fields | {"id": "x-2", "evidence": "url: ftp"})
    assert bad_block[0].kind is ReplyKind.ERROR and "evidence.title: is required" in bad_block[0].text
    bad_date = evidence.replace("date: 1972-12", "date: 1990-02-30")
    impossible = await dispatcher.submit_form(MOD, origin, "claim add", fields | {"id": "x-3", "evidence": bad_date})
    assert impossible[0].kind is ReplyKind.ERROR
    assert "evidence.date: '1990-02-30' is not a real date" in impossible[0].text
    bomb = await dispatcher.submit_form(MOD, origin, "claim add", fields | {"id": "x-4", "evidence": "a: &a [*a]"})
    assert bomb[0].kind is ReplyKind.ERROR and "anchors and aliases" in bomb[0].text
    edit = {
        "id": "tides-caused-by-wind",
        "version": "1",
        "claim": "Ocean tides are caused by the wind.",
        "verdict": "mostly-false",
        "summary": "Tides follow the Moon and the Sun.",
    }
    assert "now v2" in (await dispatcher.submit_form(MOD, origin, "claim edit", edit))[0].text
    stale = await dispatcher.submit_form(MOD, origin, "claim edit", edit | {"verdict": "false"})
    assert "was changed by mia" in stale[0].text
    more = {
        "id": "tides-caused-by-wind",
        "stance": "context",
        "title": "Another",
        "date": "1990",
        "source": "Archive",
        "url": "https://example.org/a",
        "excerpt": "Text.",
    }
    assert "evidence 2 added" in (await dispatcher.submit_form(MOD, origin, "evidence add", more))[0].text
    alias = await dispatcher.submit_form(
        MOD, origin, "alias add", {"id": "tides-caused-by-wind", "text": "el viento causa las mareas", "lang": "es"}
    )
    assert "alias added" in alias[0].text
    assert "Unknown form" in (await dispatcher.submit_form(MOD, origin, "claim delete", {}))[0].text


async def test_reports_queue_round_trip_to_alias_and_to_claim(services, db_fake):
    first = await db_fake.command("report the apollo astronauts never left earth orbit | heard it twice today")
    assert "report #1" in first[0].text
    await db_fake.command("report ocean tides come from wind")
    await db_fake.command("report nothing worth checking")
    listing = (await db_fake.command("queue list", actor=MOD))[0].text
    assert "#1" in listing and "heard it twice today" in listing and "by uma" not in listing
    aliased = await db_fake.command("queue to-alias 1 | moon-landing-staged", actor=MOD)
    assert "alias added" in aliased[0].text
    assert (await db_fake.command("factcheck the apollo astronauts never left earth orbit"))[0].claim.id == (
        "moon-landing-staged"
    )
    claimed = await db_fake.command(
        f"queue to-claim 2 | tides-wind | false | Tides follow the Moon. | {EVIDENCE}", actor=MOD
    )
    assert "added from report #2" in claimed[0].text
    assert (await services.store.get("tides-wind")).claim.claim == "ocean tides come from wind"
    dismissed = await db_fake.command("queue dismiss 3 | not a claim", actor=MOD)
    assert "Report #3 dismissed" in dismissed[0].text
    again = await db_fake.command("queue resolve 3", actor=MOD)
    assert "already dismissed" in again[0].text
    assert (await db_fake.command("queue list", actor=MOD))[0].text == "The queue is empty."
    everything = (await db_fake.command("queue list all", actor=MOD))[0].text
    assert "[dismissed by" in everything and "[resolved by" in everything


async def test_feedback_round_trip_and_stats_with_chart(services, db_fake):
    reply = (await db_fake.command("factcheck the 1969 moon landing was staged in a film studio"))[0]
    assert reply.reply_id
    assert (
        "helpful"
        in (await services.dispatcher.feedback(USER, dispatcher_origin(), reply.reply_id, _action("helpful")))[0].text
    )
    await services.dispatcher.feedback(MOD, dispatcher_origin(), reply.reply_id, _action("wrong-claim"))
    await services.dispatcher.feedback(USER, dispatcher_origin(), reply.reply_id, _action("wrong-claim"))
    unknown = await services.dispatcher.feedback(USER, dispatcher_origin(), "nope", _action("helpful"))
    assert "no longer known" in unknown[0].text
    nothing = (await db_fake.command("factcheck my cat likes the blue bowl"))[0]
    assert nothing.kind is ReplyKind.NO_MATCH and nothing.reply_id and nothing.query == "my cat likes the blue bowl"
    await db_fake.command("report my cat likes the blue bowl")
    stats = (await db_fake.command("stats 7d", actor=MOD))[0]
    assert "fact-check replies: 1" in stats.text and "requests nothing matched: 1" in stats.text
    assert "reports: 1" in stats.text and "helpful 0, not helpful 0, wrong claim 2" in stats.text
    assert "moon-landing-staged: 2" in stats.text.split("most often marked")[1]
    assert stats.attachment.mime == "image/png" and stats.attachment.data.startswith(b"\x89PNG")


def _action(value):
    from bot.domain.models import ReplyAction

    return ReplyAction(value)


async def test_replies_store_no_message_text(services, db_fake):
    secret = "the 1969 moon landing was staged in a film studio zebra-canary-42"
    await db_fake.command(f"factcheck {secret}")
    async with services.database.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM replies"))).all()
    assert rows and "zebra-canary-42" not in repr(rows)


async def test_watch_and_mute_control_unprompted_replies(services, db_fake, clock):
    staged = "The 1969 Moon landing was staged in a film studio"
    assert await db_fake.say(staged, channel="c2") == [], "c2 is not watched by configuration"
    await db_fake.command("watch on", actor=MOD, channel="c2")
    assert await db_fake.say(staged, channel="c2")
    await db_fake.command("watch off", actor=MOD, channel="c1")
    assert await db_fake.say("honestly the 1969 moon landing was staged in a film studio", channel="c1") == []
    status = await db_fake.command("mute 2h", actor=MOD, channel="c2")
    assert "muted until" in status[0].text
    assert await db_fake.say("they say the moon landing was staged in a film studio in 1969", channel="c2") == []
    asked = await db_fake.mention("the moon landing was staged in a film studio", channel="c2")
    assert asked[0].kind is ReplyKind.FACT_CHECK, "a mute silences unprompted replies only"
    await db_fake.command("mute off", actor=MOD, channel="c2")
    assert "muted" not in (await db_fake.command("watch status", actor=MOD, channel="c2"))[0].text


async def test_every_mutation_writes_revision_and_audit_rows(services, db_fake):
    async def counts():
        async with services.database.engine.connect() as connection:
            revisions = await connection.scalar(select(func.count()).select_from(claim_revisions))
            audits = await connection.scalar(select(func.count()).select_from(audit_log))
        return revisions, audits

    start = await counts()
    for line in (
        "claim edit moon-landing-real verdict disputed",
        "alias add moon-landing-real | it was all real",
        f"evidence add moon-landing-real | {EVIDENCE}",
        "claim retire moon-landing-real",
    ):
        assert "Saved" in (await db_fake.command(line, actor=MOD))[0].text
    end = await counts()
    assert end[0] - start[0] == 4 and end[1] - start[1] == 4


async def test_evidence_notes_translations_and_pins_are_edited_validated_and_undone(services, db_fake):
    await db_fake.command(
        "evidence add moon-landing-real | Doc two | 1969 | Archive | https://example.org/2 | contradicts | Ein Zitat.",
        actor=MOD,
    )
    noted = await db_fake.command("evidence note moon-landing-real | 2 | Quoted second-hand.", actor=MOD)
    assert "evidence 2: note set" in noted[0].text
    translated = await db_fake.command(
        "evidence translate moon-landing-real | 2 | de | dossier editor (unofficial) | A quote.", actor=MOD
    )
    assert "English translation of the de set" in translated[0].text
    evidence = (await services.store.get("moon-landing-real")).claim.evidence[1]
    assert (evidence.note, evidence.lang, evidence.translation, evidence.translation_by) == (
        "Quoted second-hand.",
        "de",
        "A quote.",
        "dossier editor (unofficial)",
    )
    pinned = await db_fake.command("evidence pin moon-landing-real | 2", actor=MOD)
    assert "replies now lead with evidence 2" in pinned[0].text
    answer = (await db_fake.command("factcheck the moon landing was not faked", actor=USER))[0]
    assert answer.claim.evidence[1].pinned
    # Bad values are refused with the field named, and change nothing.
    bad = await db_fake.command("evidence translate moon-landing-real | 2 | english | me | x", actor=MOD)
    assert bad[0].kind is ReplyKind.ERROR and "lang" in bad[0].text
    english = await db_fake.command("evidence translate moon-landing-real | 1 | en | me | x", actor=MOD)
    assert english[0].kind is ReplyKind.ERROR and "English excerpt needs no translation" in english[0].text
    missing = await db_fake.command("evidence note moon-landing-real | 9 | x", actor=MOD)
    assert "give a number from 1 to 2" in missing[0].text
    refused = await db_fake.command("evidence pin moon-landing-real | 1", actor=USER)
    assert "for catalogue editors only" in refused[0].text
    # Each change is a revision that undo reverts exactly.
    history = await services.store.history("moon-landing-real")
    assert [r.action for r in history[:4]] == ["evidence pin", "evidence translate", "evidence note", "evidence add"]
    await db_fake.command(f"undo {history[0].id}", actor=MOD)
    assert not (await services.store.get("moon-landing-real")).claim.evidence[1].pinned
    cleared = await db_fake.command("evidence translate moon-landing-real | 2 | none", actor=MOD)
    assert "translation removed" in cleared[0].text
    evidence = (await services.store.get("moon-landing-real")).claim.evidence[1]
    assert (evidence.lang, evidence.translation, evidence.translation_by) == ("en", None, None)


async def test_the_brief_is_edited_in_chat_and_cleared(services, db_fake):
    edited = await db_fake.command("claim edit moon-landing-real brief Both sides, briefly.", actor=MOD)
    assert "brief changed" in edited[0].text
    assert (await services.store.get("moon-landing-real")).claim.brief == "Both sides, briefly."
    await db_fake.command("claim edit moon-landing-real brief none", actor=MOD)
    assert (await services.store.get("moon-landing-real")).claim.brief is None
    too_long = await db_fake.command("claim edit moon-landing-real brief " + "x" * 301, actor=MOD)
    assert too_long[0].kind is ReplyKind.ERROR and "the limit is 300" in too_long[0].text


async def test_moderators_see_why_a_reply_was_given_and_members_do_not(db_fake):
    answer = (await db_fake.command("factcheck the moon landing was not faked", actor=USER))[0]
    assert answer.reply_id
    details = (await db_fake.command(f"reply details {answer.reply_id}", actor=MOD))[0].text
    assert f"Reply `{answer.reply_id}`" in details and "showed `moon-landing-real`" in details
    assert "matched phrasing: \u201cthe moon landing was not faked\u201d" in details
    assert "1. `moon-landing-real` " in details and "score 0." in details
    refused = (await db_fake.command(f"reply details {answer.reply_id}", actor=USER))[0]
    assert "for moderators of this community only" in refused.text and "score" not in refused.text
    unknown = (await db_fake.command("reply details 0123456789abcdef", actor=MOD))[0]
    assert "no longer known" in unknown.text


async def test_lone_surrogates_are_text_like_any_other(services, db_fake):
    filed = await db_fake.command("report \ud800 a lone surrogate | why \udfff", actor=USER)
    assert "report #1" in filed[0].text
    [report] = await services.stores.reports.list()
    assert report.text == "\ufffd a lone surrogate" and report.reason == "why \ufffd"
    alias = await db_fake.command("alias add moon-landing-real | the moon landing \ud800 was real", actor=MOD)
    assert "alias added" in alias[0].text
    said = await db_fake.say("the moon landing was not faked \udc00")
    assert said and said[0].kind is not ReplyKind.ERROR
    form = await services.dispatcher.submit_form(
        USER, dispatcher_origin(), "report", {"text": "x \ud800", "reason": ""}
    )
    assert form[0].kind is not ReplyKind.ERROR, form[0].text


async def test_a_communitys_moderators_see_their_own_communitys_stats_and_editors_see_all(services, db_fake):
    from bot.domain.models import Actor, Origin

    dispatcher = services.dispatcher
    there = Origin(platform="fake", channel_id="c2", workspace_id="w2", message_id="y")
    await db_fake.command("factcheck the 1969 moon landing was staged in a film studio")  # in w1
    await dispatcher.run_command(make_actor("pat", workspace="w2"), there, "factcheck the moon landing was not faked")
    await dispatcher.run_command(make_actor("pat", workspace="w2"), there, "report the moon is hollow")
    admin = Actor(platform="fake", user_id="owner2", workspace_id="w2", is_platform_admin=True)
    own = (await dispatcher.run_command(admin, there, "stats all"))[0].text
    assert "fact-check replies: 1" in own and "moon-landing-real: 1" in own and "moon-landing-staged" not in own
    assert "reports: 1" in own and "(This community only.)" in own
    everything = (await db_fake.command("stats all", actor=MOD))[0].text
    assert "fact-check replies: 2" in everything and "This community only" not in everything
