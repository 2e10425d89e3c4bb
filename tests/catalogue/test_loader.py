"""The YAML loader reports every problem with file, line and field, and never a traceback."""

from __future__ import annotations

import textwrap

import pytest

from bot.catalogue.loader import CatalogueError, load_directory, load_file, load_text

GOOD = """\
id: good-claim
claim: Something people say.
verdict: misleading
summary: Our summary.
evidence:
  - title: A document
    date: 1990-02-09
    source: An archive
    url: https://example.org/doc
    excerpt: "A quote."
    stance: contradicts
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def messages(problems):
    return [str(p) for p in problems]


def test_valid_file_loads():
    claims, problems = load_text(GOOD, "good-claim.yaml")
    assert problems == [] and claims[0].claim.id == "good-claim"


def test_bad_url_is_reported_with_line_and_field_path():
    text = GOOD.replace("https://example.org/doc", "http://example.org/doc")
    _, problems = load_text(text, "claims/x.yaml")
    assert messages(problems) == ["claims/x.yaml:9: evidence[0].url: must be https"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("verdict: misleading", "verdict: mostly-misleading"),
            "x.yaml:3: verdict: 'mostly-misleading' is not a verdict; use one of: accurate, mostly-accurate",
        ),
        (("summary: Our summary.", "summary: Our summary.\ncolour: red"), "x.yaml:5: colour: unknown field"),
        (("id: good-claim", "id: Good Claim"), "x.yaml:1: id: 'Good Claim' is not a lowercase slug"),
        (
            ("    stance: contradicts", "    stance: against"),
            "x.yaml:11: evidence[0].stance: 'against' is not a stance",
        ),
        (("    date: 1990-02-09", "    date: 1990-13"), "x.yaml:7: evidence[0].date: '1990-13' is not a real date"),
        (
            ('    excerpt: "A quote."', "    excerpt: " + "q" * 1001),
            "x.yaml:10: evidence[0].excerpt: is 1,001 characters",
        ),
        (("claim: Something people say.\n", ""), "x.yaml:1: claim: is required"),
        (("summary: Our summary.", "summary: " + "s" * 701), "x.yaml:4: summary: is 701 characters; the limit is 700"),
        (("verdict: misleading", "verdict: misleading\nverdict: false"), "x.yaml:4: verdict: appears twice"),
        (
            ("    url: https://example.org/doc", "    url: https://user:pw@example.org/doc"),
            "x.yaml:9: evidence[0].url: must not contain a user name or password",
        ),
    ],
)
def test_each_kind_of_problem_is_named_precisely(change, expected):
    old, new = change
    _, problems = load_text(GOOD.replace(old, new), "x.yaml")
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)


def test_all_problems_are_listed_not_just_the_first():
    text = GOOD.replace("verdict: misleading", "verdict: nope").replace("https://", "ftp://")
    _, problems = load_text(text, "x.yaml")
    assert {p.field for p in problems} == {"verdict", "evidence[0].url"}


def test_invalid_yaml_names_the_line():
    _, problems = load_text("id: a\nclaim: [unclosed\nverdict: false\n", "x.yaml")
    assert len(problems) == 1 and problems[0].line is not None and "not valid YAML" in problems[0].message


def test_list_file_holds_several_claims_and_locates_problems_per_item():
    text = (
        "- "
        + GOOD.replace("\n", "\n  ").rstrip()
        + "\n- "
        + GOOD.replace("good-claim", "other").replace("misleading", "bogus").replace("\n", "\n  ").rstrip()
        + "\n"
    )
    claims, problems = load_text(text, "bulk.yaml")
    assert [c.claim.id for c in claims] == ["good-claim"]
    assert messages(problems)[0].startswith("bulk.yaml:14: [1] verdict: 'bogus' is not a verdict")


def test_file_name_must_match_the_id(tmp_path):
    path = write(tmp_path, "wrong-name.yaml", GOOD)
    _, problems = load_file(path)
    assert "name the file good-claim.yaml" in messages(problems)[0]


def test_non_utf8_and_empty_files_are_reported(tmp_path):
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    write(tmp_path, "empty.yaml", "")
    with pytest.raises(CatalogueError) as caught:
        load_directory(tmp_path)
    text = str(caught.value)
    assert "binary.yaml: is not UTF-8 text" in text and "empty.yaml: the file is empty" in text


def test_duplicate_ids_and_unknown_related_ids_are_catalogue_errors(tmp_path):
    write(tmp_path, "good-claim.yaml", GOOD + "related: [missing-one]\n")
    write(tmp_path, "bulk.yaml", "- " + GOOD.replace("\n", "\n  "))
    with pytest.raises(CatalogueError) as caught:
        load_directory(tmp_path)
    text = str(caught.value)
    assert "duplicate id 'good-claim'" in text and "unknown claim id 'missing-one'" in text


def test_directory_without_yaml_is_an_error(tmp_path):
    with pytest.raises(CatalogueError, match=r"holds no \.yaml files"):
        load_directory(tmp_path)


def test_yaml_bombs_and_non_mappings_give_clear_errors():
    _, problems = load_text("- 1\n- 2\n", "x.yaml")
    assert "a claim must be a mapping" in messages(problems)[0]
    _, problems = load_text("just a string", "x.yaml")
    assert "a claim must be a mapping" in messages(problems)[0]


BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "bomb.yaml:1: anchors and aliases (&name, *name) are not allowed in catalogue files"),
        ("- id: &a [*a]\n", "bomb.yaml:1: anchors and aliases (&name, *name) are not allowed in catalogue files"),
        (GOOD.replace("verdict: misleading", "verdict: *v"), "bomb.yaml:3: not valid YAML: found undefined alias"),
        ("x:\n" + "".join(" " * i + "- \n" for i in range(1, 20)), "bomb.yaml:13: is nested more than 12 levels"),
        ("x:\n" + "".join(" " * i + "- \n" for i in range(1, 20_000)), "bomb.yaml:1000: not valid YAML: exceeded"),
        ("[" * 20_000 + "]" * 20_000, "bomb.yaml:1: not valid YAML: exceeded maximum nesting depth"),
    ],
    ids=["billion-laughs", "recursive", "undefined-alias", "deep", "deeper-block", "deeper-flow"],
)
def test_anchors_aliases_and_deep_nesting_are_refused_with_file_and_line(text, expected):
    claims, problems = load_text(text, "bomb.yaml")
    assert claims == [] and len(problems) == 1 and str(problems[0]).startswith(expected), messages(problems)


def test_an_alias_bomb_is_refused_by_the_command_line_within_a_small_memory_limit(tmp_path):
    """Before this rule the file below took 80 s and 6.5 GB; under a 400 MB address-space cap it must just fail."""
    import resource
    import subprocess
    import sys

    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "bomb.yaml").write_text(BOMB, encoding="utf-8")

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1200 * 2**20, 1200 * 2**20))

    result = subprocess.run(
        [sys.executable, "-m", "bot", "catalogue", "validate", str(tmp_path / "cat")],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "bomb.yaml:1: anchors and aliases" in result.stderr and "Traceback" not in result.stderr


def test_an_impossible_unquoted_date_names_its_file_line_and_field():
    claims, problems = load_text(GOOD.replace("date: 1990-02-09", "date: 1990-02-30"), "c.yaml")
    assert messages(problems) == [
        "c.yaml:7: evidence[0].date: '1990-02-30' is not a real date (day is out of range for month)"
    ]
    claims, _ = load_text(GOOD, "c.yaml")
    assert claims[0].claim.evidence[0].date == "1990-02-09", "unquoted dates still read as dates"


def test_problems_in_a_list_of_claims_point_at_the_right_claim_beyond_the_ninth():
    items = [textwrap.indent(GOOD.replace("good-claim", f"claim-{i}"), "  ")[2:] for i in range(12)]
    items[10] = items[10].replace("stance: contradicts", "stance: sideways")
    text = "".join(f"- {item}" for item in items)
    claims, problems = load_text(text, "bulk.yaml")
    assert len(claims) == 11
    per_claim = GOOD.count("\n")
    line = 1 + 10 * per_claim + per_claim - 1  # the eleventh claim's last line, its stance
    assert messages(problems) == [
        f"bulk.yaml:{line}: [10] evidence[0].stance: 'sideways' is not a stance; "
        "use one of: supports, contradicts, context"
    ]
