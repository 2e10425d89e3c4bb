"""The one escaping path (IN-1, DC-6): no user or catalogue text can ping, link or break a limit."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.discord.text import (
    ELLIPSIS,
    clip,
    defuse_mentions,
    inert_links,
    no_previews,
    quote,
    unquote,
    untrusted,
)

PINGS = re.compile(r"@(everyone|here)|<@[!&]?\d+>", re.IGNORECASE)
nasty = st.lists(
    st.sampled_from(
        [
            "@everyone",
            "@here",
            "@EVERYONE",
            "<@123456789012345678>",
            "<@!1>",
            "<@&42>",
            "@",
            "<",
            "&",
            "\u200d",
            "\u200b",
            "*",
            "_",
            "`",
            "\\",
            "[x](https://e.vil)",
            "\U0001f1eb\U0001f1f7",
            "e\u0301",
            "\U0001f469\u200d\U0001f4bb",
            " ",
            "a",
            "\n",
        ]
    )
    | st.text(max_size=5),
    max_size=40,
).map("".join)


@given(nasty)
def test_no_ping_survives_defusing(text):
    assert PINGS.search(defuse_mentions(text)) is None
    assert PINGS.search(untrusted(text)) is None


@given(nasty, st.integers(min_value=1, max_value=60))
def test_clip_fits_the_limit_and_never_splits_a_character_cluster(text, limit):
    cut = clip(untrusted(text), limit)
    assert len(cut) <= limit
    if cut.endswith(ELLIPSIS) and len(untrusted(text)) > limit:
        body = cut[: -len(ELLIPSIS)]
        assert not body.endswith("\u200d")
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0  # no escape left dangling before the ellipsis
        rest = untrusted(text)[len(body) :].lstrip()
        assert not rest or unicodedata.combining(rest[0]) == 0


def test_masked_links_and_markdown_are_shown_literally():
    assert untrusted("[free nitro](https://e.vil) **now**") == "\\[free nitro\\](https://e.vil) \\*\\*now\\*\\*"
    # discord.py's escape_markdown reads these two links as one and leaves the second live.
    assert untrusted("[a](<https://e.vil>) [b](<https://e.vil>)") == "\\[a\\](<https://e.vil>) \\[b\\](<https://e.vil>)"
    assert untrusted("# heading\n-# small\n> quote") == "\\# heading\n\\-# small\n\\> quote"


def test_flags_are_never_cut_in_half():
    flags = "\U0001f1eb\U0001f1f7" * 5
    assert clip(flags, 6) == "\U0001f1eb\U0001f1f7\U0001f1eb\U0001f1f7" + ELLIPSIS


def test_bare_links_do_not_preview():
    assert no_previews("see https://e.vil/x and <https://ok>") == "see <https://e.vil/x> and <https://ok>"


def test_quote_round_trips_for_prefilling_forms():
    text = "the *moon* landing @everyone"
    assert unquote(quote(text, 200)) == text
    assert len(quote("x" * 500, 100)) == 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[Verify](https://evil.example)", "\\[Verify\\](https://evil.example)"),
        ("`claim show x` keeps its code", "`claim show x` keeps its code"),
        ("`[in code](https://x)` stays literal", "`[in code](https://x)` stays literal"),
        ("\\[undo the escape](https://x)", "\\\\\\[undo the escape\\](https://x)"),
        ("`a`[b](https://x)`c`", "`a`\\[b\\](https://x)`c`"),
        ("``` unclosed [c](https://x)", "``` unclosed \\[c\\](https://x)"),
    ],
)
def test_core_text_keeps_its_code_but_no_masked_link(text, expected):
    assert inert_links(text) == expected


@given(st.text(alphabet="[]()`\\ab:/hts.", max_size=60))
def test_no_masked_link_survives_outside_code(text):
    rendered = inert_links(f"{text}[x](https://evil.example)")
    # Outside code spans every bracket is preceded by an odd number of backslashes: escaped.
    for match in re.finditer(r"(\\*)\[x\]\(https://evil", rendered):
        assert len(match.group(1)) % 2 == 1 or rendered[: match.start()].count("`") % 2 == 1
