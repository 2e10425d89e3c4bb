"""Text hygiene shared by every renderer: one grapheme-safe cut, shortening, surrogates."""

from __future__ import annotations

from bot.domain.textcut import grapheme_cut, scrub, shorten


def test_one_cut_for_every_renderer_keeps_every_visible_character_whole():
    assert grapheme_cut("aकि", 2) == 1, "a Devanagari vowel sign (Mc) stays with its consonant"
    assert grapheme_cut("a\r\nb", 2) == 1, "CRLF is one line break"
    assert grapheme_cut("\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea", 3) == 2, "flags are pairs"
    assert grapheme_cut("\U0001f469\u200d\U0001f467", 2) == 0, "an emoji sequence is one character"


def test_shorten_cuts_at_a_word_and_scrub_replaces_lone_surrogates():
    assert shorten("one two three four", 12) == "one two\u2026"
    assert scrub("a\ud800b") == "a\ufffdb"
