"""Typed parameters: one declaration read from a typed line or from a platform's options, with the same checks."""

from __future__ import annotations

import pytest

from bot.core.params import Kind, Param, Target, read_line, read_options, usage
from bot.core.parsing import CommandError

ID = Param("id", Kind.TARGET, label="ID[@VERSION]")
NUMBER = Param("number", Kind.NUMBER, what="evidence")
NOTE = Param("note", Kind.TEXT, required=False)
EDIT = (ID, Param("field", Kind.CHOICE, choices=("claim", "verdict")), Param("value", Kind.TEXT))


def test_usage_lines_come_from_the_parameters():
    assert usage("evidence remove", (ID, NUMBER)) == "evidence remove ID[@VERSION] | NUMBER"
    assert usage("queue dismiss", (NUMBER, NOTE)) == "queue dismiss NUMBER [| NOTE]"
    assert usage("claim edit", EDIT, spaced=2) == "claim edit ID[@VERSION] claim|verdict VALUE"
    assert usage("queue list", (Param("all", Kind.FLAG, required=False),)) == "queue list [all]"


def test_a_typed_line_is_read_by_pipes_after_the_spaced_words_and_the_last_field_keeps_its_pipes():
    args = read_line((ID, NUMBER, Param("text", Kind.TEXT)), 0, "moon@3 | #2 | a | b", "u")
    assert args.target() == Target("moon", 3) and args.number("number") == 2 and args.text("text") == "a | b"
    edit = read_line(EDIT, 2, "moon Verdict  false, and | more", "u")
    assert (edit.target(), edit.text("field"), edit.text("value")) == (Target("moon"), "verdict", "false, and | more")
    assert read_line((NUMBER, NOTE), 0, "4", "u").text("note") == ""


@pytest.mark.parametrize(
    ("params", "spaced", "line", "message"),
    [
        ((ID, NUMBER), 0, "moon", "Usage: `u`"),
        ((ID, NUMBER), 0, "moon | two", "`two` is not a evidence number"),
        ((ID, NUMBER), 0, "Moon Landing | 2", "is not a claim id"),
        (EDIT, 2, "moon colour blue", "field: 'colour' is not a field; use one of: claim, verdict."),
        ((Param("d", Kind.WORD, max_length=3),), 0, "1234", "d: is 4 characters; the limit is 3."),
        ((Param("d", Kind.WORD),), 0, "two words", "d: is one word"),
        ((Param("all", Kind.FLAG, required=False),), 0, "everything", "did you mean `all`"),
    ],
)
def test_a_line_that_does_not_fit_gets_a_specific_error(params, spaced, line, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("|", r"\|").replace("`u`", "`u`")):
        read_line(params, spaced, line, "u")


def test_options_by_name_get_the_same_checks_and_no_pipe_is_special():
    args = read_options((ID, NUMBER, Param("text", Kind.TEXT)), {"id": "moon", "number": 2, "text": "a | b"}, "u")
    assert args.target() == Target("moon") and args.number("number") == 2 and args.text("text") == "a | b"
    flag = read_options((Param("all", Kind.FLAG, required=False),), {"all": True}, "u")
    assert flag.flag("all")
    with pytest.raises(CommandError, match="not a claim id"):
        read_options((ID,), {"id": "two words"}, "u")
    with pytest.raises(CommandError, match="Unknown option 'colour'"):
        read_options((ID,), {"id": "moon", "colour": "blue"}, "u")
    with pytest.raises(CommandError, match="Usage"):
        read_options((ID, NUMBER), {"id": "moon"}, "u")
