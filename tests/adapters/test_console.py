"""The console adapter, driven as a subprocess and through its input loop."""

from __future__ import annotations

import io

from bot.adapters.console import ConsoleAdapter
from tests.conftest import PROJECT_ROOT
from tests.test_cli import factbot


def test_console_session_as_a_subprocess(tmp_path):
    session = (
        "\n".join(
            [
                "The West promised Moscow in 1990 that NATO would not expand eastward, and broke that promise.",
                "@factbot NATO never promised not to expand eastward",
                "/claim show baker-not-one-inch",
                "/claim search Yeltsin Poland",
                "/factcheck",
                "/claim shwo x",
                "just chatting about lunch, nothing to check here",
                ":quit",
                "/help",
            ]
        )
        + "\n"
    )
    result = factbot("console", stdin=session, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[nato-promised-no-expansion]" in out
    assert "[nato-never-promised]" in out
    assert "[baker-not-one-inch]" in out
    assert "yeltsin-no-objection-poland" in out
    assert "(only you can see this) Give me the text to check" in out
    assert "Did you mean `claim show`" in out
    assert "Commands:" not in out, "nothing after :quit is read"
    assert "\x1b[" not in out, "no colour codes when output is not a terminal"


async def test_console_lines_become_the_right_events(dispatcher):
    out = io.StringIO()
    console = ConsoleAdapter(dispatcher, io.StringIO(), out, colour=False)
    assert await console.handle_line("@factbot claim show moon-landing-real")
    assert "[moon-landing-real]" in out.getvalue()
    assert await console.handle_line(":user mod")
    assert console.user == "mod"
    assert not await console.handle_line(":quit")


async def test_console_reads_until_end_of_input(dispatcher):
    out = io.StringIO()
    stdin = io.StringIO("/claim show moon-landing-staged\n/help\n")
    await ConsoleAdapter(dispatcher, stdin, out, colour=False).start()
    assert "[moon-landing-staged]" in out.getvalue() and "Commands:" in out.getvalue()


EVIDENCE = "Fixture doc | 1972-12 | Fixture archive | https://example.org/fixture/six | contradicts | A fixture quote."


def test_moderator_session_in_the_console(tmp_path):
    shipped = len(list((PROJECT_ROOT / "claims").glob("*.yaml")))  # one import revision each comes first
    add, retire, undo = shipped + 1, shipped + 3, shipped + 4
    session = (
        "\n".join(
            [
                "/claim add tides-caused-by-wind | Ocean tides are caused by the wind. | false | "
                f"Tides follow the Moon. | {EVIDENCE}",
                "you know ocean tides are caused by the wind, right?",
                "/claim edit tides-caused-by-wind verdict mostly-false",
                "/claim retire tides-caused-by-wind",
                "/factcheck ocean tides are caused by the wind",
                f"/undo {retire}",
                "/factcheck ocean tides are caused by the wind",
                "/claim history tides-caused-by-wind",
                ":user guest",
                "/claim retire tides-caused-by-wind",
            ]
        )
        + "\n"
    )
    result = factbot("console", "--moderator", stdin=session, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("factbot: ")[1:]
    assert "Saved `tides-caused-by-wind` (now v1): added" in blocks[0]
    assert "[tides-caused-by-wind]" in blocks[1] and "This claim has been fact-checked" in blocks[1]
    assert "(now v2): verdict: false \u2192 mostly-false" in blocks[2]
    assert "(now v3): retired" in blocks[3]
    assert "[tides-caused-by-wind]" not in blocks[4]
    assert f"(now v4): revision #{retire} undone" in blocks[5]
    assert "[tides-caused-by-wind]" in blocks[6]
    history = blocks[7]
    assert f"#{undo} v4 undo by moderator" in history and f"#{retire} v3 retire" in history
    assert f"#{add} v1 add" in history
    assert "`claim retire` is for catalogue editors only" in blocks[8]


def test_terminal_escapes_in_a_report_are_shown_not_obeyed(tmp_path):
    hidden_link = "\x1b]8;;https://evil.example/login\x07click here\x1b]8;;\x07"
    session = f"/report {hidden_link} and \x1b[2J cleared\n:user moderator\n/queue list\n"
    result = factbot("console", "--moderator", stdin=session, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\u001b]8;;https://evil.example/login\\u0007click here" in result.stdout


def test_piped_input_is_echoed_the_discord_spelling_works_and_no_log_line_lands_in_the_chat(tmp_path):
    session = (
        "/mod claim history nato-never-promised\n"
        ":user guest\n"
        "/mod claim retire nato-never-promised\n"
        ":user moderator\n"
        "/claim edit nato-never-promised@1 verdict misleading\n"
        "/claim edit nato-never-promised@1 verdict false\n"
        "/claim history nato-never-promised\n"
    )
    result = factbot("console", "--moderator", stdin=session, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "moderator> /mod claim history nato-never-promised\nfactbot: " in out
    assert "History of `nato-never-promised`" in out and "Unknown command" not in out
    assert "guest> /mod claim retire" in out and "is for catalogue editors only" in out
    assert "refused command" not in out + result.stderr, "log lines stay out of the chat"
    conflict = out.split("verdict false\n")[1]
    history = out.rsplit("History of", 1)[1]
    assert "changed by moderator (console:local:moderator)" in conflict
    assert "by moderator (console:local:moderator)" in history


def test_trial_mode_in_the_console_holds_a_reply_until_it_is_approved_once(tmp_path):
    session = (
        "/watch trial\n"
        "The West promised Moscow in 1990 that NATO would not expand eastward, and broke that promise.\n"
        "/queue list\n"
        ":user guest\n"
        "/queue approve 1\n"
        ":user moderator\n"
        "/queue approve 1\n"
        "/queue approve 1\n"
    )
    result = factbot("console", "--moderator", stdin=session, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("factbot: ")[1:]
    assert "on trial" in blocks[0]
    assert "No open reports. Replies held in trial mode" in blocks[1]
    assert "Held reply #1" in blocks[2] and "`queue approve 1` posts it" in blocks[2]
    assert "`queue approve` is for moderators of this community only." in blocks[3]
    assert "Held reply #1 approved" in blocks[4]
    assert blocks[5].startswith("(posted in the channel, in reply to message 2) ")
    assert "[nato-promised-no-expansion]" in blocks[5]
    assert "was already approved by moderator" in blocks[6] and len(blocks) == 7
