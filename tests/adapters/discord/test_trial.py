"""Trial mode on Discord: a held reply waits behind Approve / Reject buttons that only the server's moderators can
use, and is posted once, as a reply to the message it answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.discord.conftest import interact, replies_to, settle
from tests.fakes import fake_discord as fd

STRANGERS_SERVER = fd.guild_on_shard(0, 1, index=7)
STAGED = "The 1969 Moon landing was staged in a film studio"


@pytest.fixture
async def two_servers(fake, start_bot):
    """factbot in the default server and in a server the stranger created and owns."""
    fake.add_guild(STRANGERS_SERVER, owner=fd.STRANGER)
    return await start_bot()


def buttons(body: dict[str, Any]) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for row in body.get("components", []) for b in row["components"]}


async def mod(fake: fd.FakeDiscord, *names: str, count: int = 1, **options: Any) -> list[fd.Recorded]:
    """A /mod command by an administrator of the first server, in #watched."""
    payload = fd.interaction(fd.command("mod", *names, **options), channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    return await interact(fake, payload, count=count)


async def held_message(client, fake: fd.FakeDiscord) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """#watched on trial, a matching message there: nothing is posted, the held reply's card has two buttons."""
    [trial] = await mod(fake, "watch", mode="trial")
    assert "on trial" in trial.body["data"]["content"]
    said = await fake.send_message(STAGED, channel=fd.WATCHED)
    await settle(client, fake)
    assert replies_to(fake, said) == []
    _, card = await mod(fake, "queue", "list", count=2)
    assert card.body["flags"] & fd.EPHEMERAL and "would answer with `moon-landing-staged`" in card.body["content"]
    return said, buttons(card.body), card.response


def content(recorded: fd.Recorded) -> str:
    return str(recorded.body["data"]["content"])


async def test_approve_posts_the_held_reply_once_as_a_reply_to_its_message(two_servers, fake, services):
    said, card, message = await held_message(two_servers, fake)
    assert set(card) == {"Approve and post", "Reject"}
    press = fd.button_press(card["Approve and post"], message, channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    [approved] = await interact(fake, press)
    assert approved.body["data"]["flags"] & fd.EPHEMERAL and "approved" in content(approved)
    [posted] = await fake.wait_for(lambda: replies_to(fake, said))
    assert posted.path.endswith(f"/channels/{fd.WATCHED}/messages") and posted.status == 200
    assert "Moon landing" in str(posted.body) and not (posted.body.get("flags", 0) & fd.EPHEMERAL)
    again = fd.button_press(card["Approve and post"], message, channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    [twice] = await interact(fake, again)
    assert "was already approved by" in content(twice) and "nothing was posted" in content(twice)
    await settle(two_servers, fake)
    assert len(replies_to(fake, said)) == 1


async def test_other_servers_owners_forged_buttons_and_members_cannot_decide(two_servers, fake, services):
    said, card, message = await held_message(two_servers, fake)
    number = card["Approve and post"].rpartition(":")[2]
    attempts = [
        # The stranger, administrator of their own server, pressing a copy of the button there.
        (dict(by=fd.STRANGER, permissions=fd.ADMINISTRATOR, guild_id=STRANGERS_SERVER), "no held reply #"),
        # The stranger in the first server, where they are a plain member.
        (dict(by=fd.STRANGER, channel=fd.WATCHED), "moderators of this community only"),
        (dict(by=fd.ALICE, channel=fd.WATCHED), "moderators of this community only"),
    ]
    for who, refusal in attempts:
        for custom_id in (card["Approve and post"], card["Reject"]):
            [refused] = await interact(fake, fd.button_press(custom_id, message, **who))
            assert refused.body["data"]["flags"] & fd.EPHEMERAL and refusal in content(refused), (who, custom_id)
    # A custom id that is not a number gets a plain refusal, never a command line of the presser's choosing.
    odd = {"type": 2, "style": 3, "label": "Approve and post", "custom_id": "factbot:a:1_or_2"}
    altered = {**message, "components": [{"type": 1, "components": [odd]}]}
    forged = fd.button_press(odd["custom_id"], altered, channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    [refused] = await interact(fake, forged)
    assert refused.body["data"]["flags"] & fd.EPHEMERAL and "number" in content(refused)
    listing = fd.interaction(
        fd.command("mod", "queue", "list"), by=fd.STRANGER, permissions=fd.ADMINISTRATOR, guild_id=STRANGERS_SERVER
    )
    [listed] = await interact(fake, listing)
    assert content(listed) == "The queue is empty." and number not in str(listed.body)
    await settle(two_servers, fake)
    assert replies_to(fake, said) == []
    item = await services.stores.held.get(int(number), _origin_of_first_server())
    assert item is not None and item.state.value == "held"


async def test_reject_drops_the_held_reply_and_it_is_never_posted(two_servers, fake, services):
    said, card, message = await held_message(two_servers, fake)
    press = fd.button_press(card["Reject"], message, channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    [rejected] = await interact(fake, press)
    assert "rejected" in content(rejected)
    late = fd.button_press(card["Approve and post"], message, channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    [refused] = await interact(fake, late)
    assert "already rejected" in content(refused)
    await settle(two_servers, fake)
    assert replies_to(fake, said) == []


def _origin_of_first_server():
    from bot.domain.models import Origin

    return Origin(platform="discord", channel_id=str(fd.WATCHED), workspace_id=str(fd.GUILD_ID))


async def test_a_post_discord_refuses_is_reported_to_the_moderator_and_not_retried(two_servers, fake, services):
    said, card, message = await held_message(two_servers, fake)
    fake.fail_once("POST", rf"/channels/{fd.WATCHED}/messages", 403, {"message": "Missing Access", "code": 50001})
    press = fd.button_press(card["Approve and post"], message, channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    told = await interact(fake, press, count=2)
    texts = " ".join(str(r.body.get("data", r.body).get("content")) for r in told)
    assert "approved" in texts and "Discord refused to post the approved reply (403)" in texts
    again = fd.button_press(card["Approve and post"], message, channel=fd.WATCHED, permissions=fd.ADMINISTRATOR)
    [twice] = await interact(fake, again)
    assert "already approved" in content(twice)
    await settle(two_servers, fake)
    assert [r.status for r in replies_to(fake, said)] == [403]
