"""Checks against the source dossier: verbatim, verified, under the entry's own title, with what readers must know."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.catalogue.dossier import load_dossier, source_problems, source_warnings
from bot.catalogue.lint import lint
from bot.catalogue.loader import CatalogueError, load_text
from tests.conftest import PROJECT_ROOT

DOSSIER = load_dossier(PROJECT_ROOT / "tests" / "fixtures" / "dossier.yaml")
MEMO = {
    "title": "Memorandum of a made-up meeting",
    "source": "Fixture archive, box 1",
    "date": "1990-02-09",
    "url": "https://nsarchive.gwu.edu/document/fixture-memo",
}
GAZETTE = {
    "title": "A made-up newspaper report",
    "source": "Fixture Gazette",
    "date": "2022-02-18",
    "url": "https://blog.example.org/post",
}


def _yaml(value: object) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def entry(*items: dict):
    evidence = "".join(
        "  - {" + ", ".join(f"{k}: {_yaml(v) if k != 'pinned' else v}" for k, v in item.items()) + "}\n"
        for item in items
    )
    text = (
        "id: c\nclaim: They promised.\nverdict: needs-context\nsummary: s\nbrief: b\nreviewed: 2026-12-01\n"
        "aliases: [one way, two ways, three ways, four ways, five ways, {text: uno, lang: es}, {text: eins, lang: de},"
        " {text: un, lang: fr}, {text: odin, lang: ru}]\n"
        f"evidence:\n{evidence}"
    )
    claims, problems = load_text(text, "c.yaml")
    assert not problems, problems
    return claims[0]


def ev(doc: dict, excerpt: str, stance: str = "supports", **extra) -> dict:
    return doc | {"excerpt": excerpt, "stance": stance} | extra


def messages(problems) -> list[str]:
    return [f"{p.field}: {p.message}" for p in problems]


GOOD = ev(MEMO, "We will not move one step further. That was the offer we made.")


def test_a_verbatim_excerpt_under_its_own_entry_passes_both_checks():
    claim = entry(GOOD, ev(MEMO, "\u2026That was the offer we made.", "context"))
    assert source_problems([claim], DOSSIER) == []
    assert source_warnings([claim], DOSSIER) == []


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (ev(MEMO, "We will never move even one step further."), "evidence[1].excerpt: is not in the dossier"),
        (ev(MEMO, "A line nobody has checked."), "evidence[1].excerpt: quotes an excerpt the dossier marks unverified"),
        (ev(MEMO, "That was the offer we made."), "evidence[1].excerpt: is shortened: mark each cut end with \u2026"),
        (ev(MEMO | {"title": "Another title"}, "We will not move one step further\u2026"), "evidence[1].title: must"),
        (ev(MEMO | {"source": "Elsewhere"}, "We will not move one step further\u2026"), "evidence[1].source: must"),
        (
            ev(
                GAZETTE,
                "Wir haben es deutlich gemacht.",
                lang="de",
                translation="We made that clear.",
                translation_by="dossier editor (unofficial)",
                note="n",
            ),
            "evidence[1].translation: must be the dossier's translation",
        ),
        (
            ev(
                GAZETTE,
                "Wir haben es deutlich gemacht.",
                lang="de",
                translation="We made it clear.",
                translation_by="me",
                note="n",
            ),
            "evidence[1].translation_by: must say who made the translation",
        ),
        (
            ev(
                GAZETTE,
                "\u2026deutlich gemacht.",
                lang="de",
                translation="We made it clear.",
                translation_by="dossier editor (unofficial)",
                note="n",
            ),
            "evidence[1].excerpt: a translated excerpt is quoted whole",
        ),
    ],
)
def test_validate_refuses_what_is_not_the_record(item, expected):
    found = messages(source_problems([entry(GOOD, item)], DOSSIER))
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            ev(MEMO, "The old back-translated wording of the offer."),
            "excerpt: the dossier says this wording is superseded",
        ),
        (
            ev(MEMO | {"url": "https://www.nato.int/elsewhere"}, "…That was the offer we made."),
            "url: is not the dossier",
        ),
        (ev(MEMO | {"date": "1991"}, "…That was the offer we made."), "date: does not match the dossier entry's date"),
        (ev(GAZETTE, "The reporter thinks it was only ever about Germany."), "note: readers need a note"),
        (ev(GAZETTE, "Wir haben es deutlich gemacht.", note="n"), "translation: the excerpt is not in English"),
    ],
)
def test_lint_warns_about_what_readers_would_not_be_told(item, expected):
    found = messages(source_warnings([entry(GOOD, item)], DOSSIER))
    assert any(f"evidence[1].{expected}" in m for m in found), found


def test_an_excerpts_primary_url_is_a_valid_link_and_a_note_answers_a_caveat():
    item = ev(
        GAZETTE | {"url": "https://www.spiegel.de/fixture"},
        "The reporter thinks it was only ever about Germany.",
        "context",
        note="The reporter's reading, not the ministry's words.",
    )
    assert source_warnings([entry(GOOD, item)], DOSSIER) == []


def test_the_catalogue_lint_runs_the_dossier_checks_and_warns_on_an_untrusted_link_without_a_note():
    item = ev(
        GAZETTE,
        "Wir haben es deutlich gemacht.",
        "contradicts",
        lang="de",
        translation="We made it clear.",
        translation_by="dossier editor (unofficial)",
    )
    found = messages(lint([entry(GOOD, item)], today=dt.date(2026, 12, 5), dossier=DOSSIER))
    assert found == [
        "evidence[1].url: blog.example.org is not an archive, official body, scholarly publisher or major outlet; "
        "link the primary record, or say in a note what the linked page is"
    ]
    noted = ev(
        GAZETTE,
        "Wir haben es deutlich gemacht.",
        "contradicts",
        lang="de",
        translation="We made it clear.",
        translation_by="dossier editor (unofficial)",
        note="Linked page is a blog copy of the report.",
    )
    assert lint([entry(GOOD, noted)], today=dt.date(2026, 12, 5), dossier=DOSSIER) == []


@pytest.mark.parametrize("content", ["", "documents: 3\n", "- just a list\n", ": : :\n"])
def test_a_dossier_that_is_not_one_is_a_clear_error(tmp_path: Path, content: str):
    path = tmp_path / "dossier.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_dossier(path)
    assert str(path) in str(caught.value)
