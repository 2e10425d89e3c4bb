"""The command line as users run it: real subprocesses, real files, a real SQLite database."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_CLAIMS, PROJECT_ROOT


def factbot(
    *args: str,
    stdin: bytes | str | None = None,
    env: dict[str, str] | None = None,
    tmp: Path | None = None,
    timeout: float = 60,
    code: str | None = None,
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "POLICY_", "MATCHER_"))}
    full_env["NO_COLOR"] = "1"
    if tmp is not None:
        full_env["DATABASE_URL"] = f"sqlite:///{tmp / 'cli.sqlite3'}"
    full_env.update(env or {})
    data = stdin.encode() if isinstance(stdin, str) else stdin
    result = subprocess.run(
        [sys.executable, *(("-c", code) if code else ("-m", "bot")), *args],
        input=data,
        capture_output=True,
        env=full_env,
        cwd=PROJECT_ROOT,
        timeout=timeout,
        check=False,
    )
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(), result.stderr.decode())


def test_check_answers_from_the_bundled_catalogue_via_the_database(tmp_path):
    result = factbot("check", "NATO never promised not to expand", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[nato-never-promised]" in result.stdout
    assert "https://" in result.stdout and "From the record:" in result.stdout
    assert (tmp_path / "cli.sqlite3").exists(), "first run creates and fills the database"


def test_check_with_a_yaml_catalogue_says_when_nothing_matched(tmp_path):
    result = factbot("check", "my cat likes the blue bowl", "--catalogue", str(FIXTURE_CLAIMS), tmp=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("No known claim matched")
    assert not (tmp_path / "cli.sqlite3").exists(), "--catalogue needs no database"


def test_match_follows_the_json_lines_contract(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "The 1969 Moon landing was staged in a film studio"}),
        "{not json",
        json.dumps({"id": 2, "text": ""}),
        json.dumps({"id": "big", "text": "the moon landing was staged " * 40_000}),
        json.dumps(["a list"]),
        json.dumps({"text": "no id"}),
        json.dumps({"id": "c", "text": "nothing to see here, just lunch plans"}),
    ]
    stdin = (
        ("\n".join(lines) + "\n").encode()
        + b"\xff\xfe\x00\x01 binary garbage\n"
        + json.dumps({"id": "last", "text": "Covid vaccines contain microchips"}).encode()
        + b"\n"
    )
    result = factbot("match", "--catalogue", str(FIXTURE_CLAIMS), "--top", "2", stdin=stdin, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 9
    assert out[0]["id"] == "a" and out[0]["decision"] == "reply" and out[0]["claim_id"] == "moon-landing-staged"
    assert len(out[0]["candidates"]) <= 2 and out[0]["candidates"][0] == {
        "claim_id": "moon-landing-staged",
        "score": out[0]["candidates"][0]["score"],
    }
    assert 0 <= out[0]["candidates"][0]["score"] <= 1
    assert out[1] == {
        "id": None,
        "error": "line 2: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
    }
    assert out[2] == {"id": 2, "error": "line 3: text is empty"}
    assert out[3]["id"] == "big" and out[3]["decision"] in {"reply", "suggest", "none"}
    assert "expected an object" in out[4]["error"]
    assert out[5] == {"id": None, "error": "line 6: missing id"}
    assert out[6] == {"id": "c", "decision": "none", "claim_id": None, "candidates": out[6]["candidates"]}
    assert out[7]["error"].startswith("line 8: not UTF-8")
    assert out[8]["id"] == "last" and out[8]["claim_id"] == "vaccines-contain-microchips"


def test_match_streams_many_lines_in_order(tmp_path):
    stdin = "".join(
        json.dumps({"id": i, "text": f"message number {i} about the moon landing"}) + "\n" for i in range(2000)
    )
    result = factbot("match", "--catalogue", str(FIXTURE_CLAIMS), stdin=stdin, tmp=tmp_path)
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == list(range(2000))


def test_validate_lists_every_problem_with_file_line_and_field(tmp_path):
    broken = tmp_path / "claims"
    broken.mkdir()
    (broken / "a.yaml").write_text(
        "id: a\nclaim: x\nverdict: maybe\nsummary: s\nevidence:\n  - title: t\n"
        "    date: 1990\n    source: s\n    url: http://x.org\n    excerpt: e\n"
        "    stance: supports\n",
        encoding="utf-8",
    )
    (broken / "b.yaml").write_text("id: b\nclaim: [oops\n", encoding="utf-8")
    result = factbot("catalogue", "validate", str(broken), tmp=tmp_path)
    assert result.returncode == 1
    assert f"{broken}/a.yaml:3: verdict: 'maybe' is not a verdict" in result.stderr
    assert f"{broken}/a.yaml:9: evidence[0].url: must be https" in result.stderr
    assert f"{broken}/b.yaml:" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_passes_on_the_shipped_catalogue(tmp_path):
    result = factbot("catalogue", "validate", tmp=tmp_path)
    assert result.returncode == 0 and "no problems" in result.stdout


def test_import_reports_conflicts_and_keeps_chat_edits(tmp_path):
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    for path in FIXTURE_CLAIMS.glob("*.yaml"):
        (catalogue / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    first = factbot("catalogue", "import", str(catalogue), tmp=tmp_path)
    assert first.returncode == 0 and "4 added" in first.stdout
    real = catalogue / "moon-landing-real.yaml"
    real.write_text(
        real.read_text(encoding="utf-8").replace("Test fixture summary for the mirror claim.", "Edited in the file."),
        encoding="utf-8",
    )
    second = factbot("catalogue", "sync", str(catalogue), tmp=tmp_path)
    assert second.returncode == 0 and "1 updated" in second.stdout


def test_export_claimreview_and_yaml(tmp_path):
    out = tmp_path / "reviews.json"
    result = factbot(
        "catalogue",
        "export",
        "--format",
        "claimreview",
        "--base-url",
        "https://example.org/fc",
        "--out",
        str(out),
        tmp=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    graph = json.loads(out.read_text(encoding="utf-8"))["@graph"]
    shipped = len(list((PROJECT_ROOT / "claims").glob("*.yaml")))
    assert len(graph) == shipped and all(r["reviewRating"]["alternateName"] for r in graph)
    missing = factbot("catalogue", "export", "--format", "claimreview", tmp=tmp_path)
    assert missing.returncode == 2 and "--base-url" in missing.stderr
    yaml_out = factbot("catalogue", "export", "--format", "yaml", "--out", str(tmp_path / "y"), tmp=tmp_path)
    assert yaml_out.returncode == 0 and len(list((tmp_path / "y").glob("*.yaml"))) == shipped


def test_exporting_an_unchanged_catalogue_changes_no_file_and_an_edit_rewrites_only_its_claim(tmp_path):
    catalogue = tmp_path / "claims"
    shutil.copytree(PROJECT_ROOT / "claims", catalogue)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in catalogue.glob("*.yaml")}
    assert factbot("catalogue", "import", str(catalogue), tmp=tmp_path).returncode == 0
    unchanged = factbot("catalogue", "export", "--format", "yaml", "--out", str(catalogue), tmp=tmp_path)
    assert unchanged.returncode == 0 and "wrote 0 changed files" in unchanged.stdout, unchanged.stdout
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in catalogue.glob("*.yaml")} == before
    edit = "/claim edit nato-never-promised brief A new brief for the round trip.\n"
    assert factbot("console", "--moderator", stdin=edit, tmp=tmp_path).returncode == 0
    refused = factbot("catalogue", "export", "--format", "yaml", "--out", str(catalogue), tmp=tmp_path)
    assert refused.returncode == 2 and "nato-never-promised.yaml; pass --force" in refused.stderr, refused.stderr
    edited = factbot("catalogue", "export", "--format", "yaml", "--out", str(catalogue), "--force", tmp=tmp_path)
    assert "wrote 1 changed files" in edited.stdout, edited.stdout
    after = {p.name: p.read_bytes() for p in catalogue.glob("*.yaml")}
    assert [name for name in after if after[name] != before[name][0]] == ["nato-never-promised.yaml"]
    assert "A new brief for the round trip." in after["nato-never-promised.yaml"].decode()


def test_bad_settings_are_reported_without_a_traceback(tmp_path):
    result = factbot("check", "x", tmp=tmp_path, env={"MATCHER_REPLY_THRESHOLD": "lots"})
    assert result.returncode == 2
    assert "matcher.reply_threshold (env MATCHER_REPLY_THRESHOLD)" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path):
    result = factbot("check", "x", env={"DATABASE_URL": "postgresql://nobody:secretpw@127.0.0.1:1/none"})
    assert result.returncode == 1
    assert "cannot use the database" in result.stderr and "secretpw" not in result.stderr


@pytest.mark.parametrize("entry", [["-m", "bot"], ["-c", "from bot.cli import main; raise SystemExit(main())"]])
def test_entry_points_show_help(entry):
    result = subprocess.run(
        [sys.executable, *entry, "--help"], capture_output=True, text=True, cwd=PROJECT_ROOT, check=False
    )
    assert result.returncode == 0 and "check" in result.stdout and "console" in result.stdout


def test_lint_exits_non_zero_on_warnings_and_zero_on_the_shipped_catalogue(tmp_path):
    clean = factbot("catalogue", "lint", tmp=tmp_path)
    assert clean.returncode == 0 and "0 warning(s)" in clean.stdout
    warned = factbot("catalogue", "lint", str(FIXTURE_CLAIMS), tmp=tmp_path)
    assert warned.returncode == 1 and "warning: " in warned.stdout and "no alias in" in warned.stdout


def test_output_closed_early_is_not_an_error(tmp_path):
    stdin = "".join(json.dumps({"id": i, "text": "the moon landing was staged"}) + "\n" for i in range(5000))
    command = [sys.executable, "-m", "bot", "match", "--catalogue", str(FIXTURE_CLAIMS)]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_ROOT
    ) as proc:

        def feed():
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(stdin.encode())
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        assert proc.stdout.readline()
        proc.stdout.close()
        assert proc.wait(timeout=60) == 0
        writer.join(timeout=10)
        assert b"Traceback" not in proc.stderr.read()


def test_stats_prints_figures_and_writes_a_chart(tmp_path):
    chat = factbot("console", stdin="/factcheck NATO never promised not to expand\n", tmp=tmp_path)
    assert chat.returncode == 0
    chart = tmp_path / "stats.png"
    result = factbot("stats", "--period", "all", "--chart", str(chart), tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "fact-check replies: 1" in result.stdout and "nato-never-promised: 1" in result.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")
    bad = factbot("stats", "--period", "fortnight", tmp=tmp_path)
    assert bad.returncode == 2 and "is not a period" in bad.stderr


def test_match_answers_every_line_with_strict_json_whatever_it_holds(tmp_path):
    lines = [
        '{"id": "\\ud800", "text": "NATO promised"}',
        "",
        '{"id": NaN, "text": "x"}',
        '{"id": 1e400, "text": "x"}',
        '{"id": "\\udfff\\ud800", "text": "\\ud800 NATO never promised \\udc00"}',
        "   ",
        '{"id": "last", "text": "The 1969 Moon landing was staged in a film studio"}',
    ]
    result = factbot("match", "--catalogue", str(FIXTURE_CLAIMS), stdin="\n".join(lines) + "\n", tmp=tmp_path)
    assert result.returncode == 0, result.stderr

    def strict(name):
        raise AssertionError(f"{name} is not strict JSON")

    answers = [json.loads(line, parse_constant=strict) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert answers[0]["id"] == "\ufffd" and "decision" in answers[0]
    assert [a.get("error", "")[:25] for a in answers[1:4]] == [
        "line 2: empty line",
        "line 3: not valid JSON (N",
        "line 4: not valid JSON (1",
    ]
    assert answers[4]["id"] == "\ufffd\ufffd" and answers[5]["error"] == "line 6: empty line"
    assert answers[6]["claim_id"] == "moon-landing-staged"


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (("stats", "--period", "999999w"), {}, "factbot stats: A period is at most ten years; use `all`"),
        (("db", "upgrade"), {"DATABASE_URL": "mysql://x"}, "database.url (env DATABASE_URL): unsupported database"),
        (("db", "upgrade"), {"DATABASE_URL": "::::"}, "database.url (env DATABASE_URL): unsupported database"),
    ],
)
def test_impossible_periods_and_databases_are_one_line_usage_errors(tmp_path, args, env, expected):
    result = factbot(*args, env=env, tmp=tmp_path if not env else None)
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_command_line_checks_are_not_counted_as_chat_replies(tmp_path):
    for _ in range(3):
        assert factbot("check", "NATO never promised not to expand", tmp=tmp_path).returncode == 0
    stats = factbot("stats", "--period", "all", tmp=tmp_path)
    assert stats.returncode == 0 and "fact-check replies: 0" in stats.stdout, stats.stdout


def test_export_never_writes_through_a_symlink_nor_overwrites_without_force(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("keep me", encoding="utf-8")
    link = tmp_path / "reviews.json"
    link.symlink_to(secret)
    args = ("catalogue", "export", "--format", "claimreview", "--base-url", "https://example.org/fc")
    refused = factbot(*args, "--out", str(link), tmp=tmp_path)
    assert refused.returncode == 2 and "pass --force" in refused.stderr
    forced = factbot(*args, "--out", str(link), "--force", tmp=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert secret.read_text(encoding="utf-8") == "keep me", "the link's target is untouched"
    assert not link.is_symlink() and json.loads(link.read_text(encoding="utf-8"))["@graph"]
    before = sorted(PROJECT_ROOT.iterdir())
    empty = factbot("catalogue", "export", "--format", "yaml", "--out", "", tmp=tmp_path)
    assert empty.returncode == 2 and "--out: must name a file or directory" in empty.stderr
    assert sorted(PROJECT_ROOT.iterdir()) == before, "nothing written into the working directory"


def test_version_touches_nothing_and_a_first_run_says_where_it_created_the_database(tmp_path):
    version = factbot("--version", tmp=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("factbot 0.")
    assert not (tmp_path / "cli.sqlite3").exists()
    first = factbot("check", "NATO never promised not to expand", tmp=tmp_path)
    assert "created a new database" in first.stderr and str(tmp_path / "cli.sqlite3") in first.stderr
    again = factbot("check", "NATO never promised not to expand", tmp=tmp_path)
    assert "created a new database" not in again.stderr


# Runs factbot in this process, then names on stderr the database modules it imported.
REPORT_IMPORTS = """
import sys
from bot.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"sqlalchemy", "alembic", "asyncpg", "aiosqlite"})
print("imported:", " ".join(heavy), file=sys.stderr)
raise SystemExit(code)
"""


def imported(result: subprocess.CompletedProcess[str]) -> set[str]:
    line = next(line for line in result.stderr.splitlines() if line.startswith("imported:"))
    return set(line.split()[1:])


def test_check_on_a_database_at_the_newest_schema_imports_no_sqlalchemy_nor_alembic(tmp_path):
    first = factbot("check", "NATO never promised not to expand", tmp=tmp_path, code=REPORT_IMPORTS)
    assert first.returncode == 0, first.stderr
    assert {"sqlalchemy", "alembic"} <= imported(first), "the first run creates and migrates the database"
    again = factbot("check", "NATO never promised not to expand", tmp=tmp_path, code=REPORT_IMPORTS)
    assert again.returncode == 0, again.stderr
    assert imported(again) == set()
    assert again.stdout == first.stdout and "[nato-never-promised]" in again.stdout
    # Commands that write still use SQLAlchemy, but on SQLite without Alembic or PostgreSQL's dialect.
    sync = factbot("catalogue", "import", tmp=tmp_path, code=REPORT_IMPORTS)
    assert sync.returncode == 0, sync.stderr
    assert "sqlalchemy" in imported(sync)
    assert not {"alembic", "sqlalchemy.dialects.postgresql", "asyncpg"} & imported(sync)


def test_check_still_migrates_a_database_at_an_older_schema(tmp_path):
    first = factbot("check", "NATO never promised not to expand", tmp=tmp_path)
    assert first.returncode == 0, first.stderr
    path = tmp_path / "cli.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0007'")
        for table in ("proposals", "community_claim_revisions", "community_claims"):  # what 0008 added
            connection.execute(f"DROP TABLE {table}")
    again = factbot("check", "NATO never promised not to expand", tmp=tmp_path, code=REPORT_IMPORTS)
    assert again.returncode == 0, again.stderr
    assert "alembic" in imported(again)
    assert again.stdout == first.stdout
    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0008",)]
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"proposals", "community_claim_revisions", "community_claims"} <= tables
