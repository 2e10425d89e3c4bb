"""The `factbot` command line: check, match, console, catalogue and database tools."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import re
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from bot import __version__
from bot.catalogue.loader import CatalogueError, load_claims, load_directory, missing_required
from bot.catalogue.schema import FieldError
from bot.core.errors import DatabaseUnavailable, StorageError
from bot.core.parsing import CommandError
from bot.core.render import Style, render_reply
from bot.domain.models import Claim, Decision, MatchResult, Origin
from bot.logs import configure_logging
from bot.platforms import Platform, PlatformError, platforms
from bot.settings import Settings, SettingsError, example_env, load_settings, secret_values

if TYPE_CHECKING:
    from bot.matching.matcher import ClaimMatcher

MAX_LINE_BYTES = 4 * 1024 * 1024


class UsageError(Exception):
    """A command was given something it cannot use; the message says what to do."""


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


async def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Print the reply a user would see for a statement."""
    from bot.app import open_services

    text = " ".join(args.text).strip()
    if not text:
        raise UsageError('give the statement to check, e.g. factbot check "NATO promised not to expand"')
    from bot.adapters.console import use_colour

    origin = Origin(platform="cli", channel_id="cli")
    async with open_services(settings, catalogue_dir=args.catalogue, read_only_for=origin) as services:
        replies = await services.dispatcher.fact_check(origin, text, record=False)
    style = Style(colour=use_colour(sys.stdout))
    print("\n\n".join(render_reply(r, style) for r in replies))
    return 0


def match_line(matcher: ClaimMatcher, raw: bytes, number: int, top: int) -> dict[str, Any]:
    """Answer one input line of `factbot match`; never raises for bad input."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {"id": None, "error": f"line {number}: not UTF-8 text (byte {exc.start})"}
    if not line.strip():
        return {"id": None, "error": f"line {number}: empty line"}
    try:
        item = json.loads(line, parse_constant=_no_constants, parse_float=_finite)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        return {"id": None, "error": f"line {number}: not valid JSON ({_scrub(str(exc))[:120]})"}
    if not isinstance(item, dict):
        return {"id": None, "error": f"line {number}: expected an object with id and text"}
    item_id = item.get("id")
    if isinstance(item_id, bool) or not isinstance(item_id, str | int | float | type(None)):
        return {"id": None, "error": f"line {number}: id must be a string or a number"}
    if isinstance(item_id, str):
        item_id = _scrub(item_id)  # a lone surrogate cannot be written as UTF-8: shown as U+FFFD
    if "id" not in item:
        return {"id": None, "error": f"line {number}: missing id"}
    text = item.get("text")
    if not isinstance(text, str):
        return {"id": item_id, "error": f"line {number}: text must be a string"}
    if not text.strip():
        return {"id": item_id, "error": f"line {number}: text is empty"}
    result: MatchResult = matcher.match(_scrub(text), top)
    return {
        "id": item_id,
        "decision": result.decision.value,
        "claim_id": result.best.claim_id if result.best and result.decision is not Decision.NONE else None,
        "candidates": [{"claim_id": c.claim_id, "score": c.score} for c in result.candidates],
    }


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a JSON number")
    return value


def _read_lines(stream: BinaryIO) -> Any:
    """Yield lines of at most MAX_LINE_BYTES; a longer line yields None once and is skipped."""
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield raw


def stream_matches(matcher: ClaimMatcher, stdin: BinaryIO, stdout: TextIO, top: int) -> int:
    """Match JSON lines from stdin to stdout, one answer per line, in order."""
    for number, raw in enumerate(_read_lines(stdin), start=1):
        if raw is None:
            answer: dict[str, Any] = {"id": None, "error": f"line {number}: longer than {MAX_LINE_BYTES:,} bytes"}
        else:
            answer = match_line(matcher, raw, number, top)
        stdout.write(json.dumps(answer, ensure_ascii=False, allow_nan=False) + "\n")
        stdout.flush()
    return 0


async def _claims_for(settings: Settings, catalogue: Path | None) -> list[Claim]:
    if catalogue is not None:
        return load_claims(catalogue)
    from bot.app import open_services

    async with open_services(settings) as services:
        return [s.claim for s in await services.source.all()]


def cmd_match(settings: Settings, args: argparse.Namespace) -> int:
    """Stream JSON lines through the matcher."""
    from bot.app import semantic_from, thresholds_from
    from bot.matching.matcher import ClaimMatcher

    if not 1 <= args.top <= 100:
        raise UsageError("--top must be between 1 and 100")
    claims = asyncio.run(_claims_for(settings, args.catalogue))
    matcher = ClaimMatcher(claims, thresholds_from(settings.matcher), semantic_from(settings.matcher))
    return stream_matches(matcher, sys.stdin.buffer, sys.stdout, args.top)


async def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    """Chat with factbot in the terminal."""
    from bot.adapters.console import ConsoleAdapter
    from bot.app import open_services

    user = "moderator" if args.moderator else args.user
    async with open_services(settings, catalogue_dir=args.catalogue) as services:
        await ConsoleAdapter(services.dispatcher, sys.stdin, sys.stdout, user=user).start()
    return 0


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    """Validate a catalogue directory and list every problem; with --dossier, every excerpt against its source."""
    from bot.catalogue.dossier import load_dossier, source_problems

    directory = args.directory or settings.catalogue.dir
    loaded = load_directory(directory)
    problems = missing_required(loaded, args.required) if args.required else []
    if args.dossier:
        problems += source_problems(loaded, load_dossier(args.dossier))
    if problems:
        raise CatalogueError(problems)
    checked = f"; every excerpt found in {args.dossier}" if args.dossier else " (no --dossier: excerpts not checked)"
    print(f"{directory}: {len(loaded)} claims, no problems{checked}")
    return 0


def cmd_lint(settings: Settings, args: argparse.Namespace) -> int:
    """Validate, then warn about what a reviewer should look at; with --dossier, sourcing too."""
    from bot.catalogue.dossier import load_dossier
    from bot.catalogue.lint import DEFAULT_LANGUAGES, lint

    directory = args.directory or settings.catalogue.dir
    chosen = args.languages if args.languages is not None else ",".join(DEFAULT_LANGUAGES)
    languages = [lang.strip() for lang in chosen.split(",") if lang.strip()]
    dossier = load_dossier(args.dossier) if args.dossier else None
    warnings = lint(load_directory(directory), today=dt.date.today(), languages=languages, dossier=dossier)
    for warning in warnings:
        print(f"warning: {warning}")
    skipped = "" if dossier is not None else " (no --dossier: links, dates and caveats not checked against sources)"
    print(f"{directory}: {len(warnings)} warning(s){skipped}")
    return 1 if warnings else 0


async def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import later changes to claims/ without overwriting claims moderators changed in the database."""
    from bot.app import open_database, sync_catalogue
    from bot.storage.db import redacted

    directory = args.directory or settings.catalogue.dir
    claims = load_claims(directory)
    database, store = await open_database(settings)
    try:
        report = await sync_catalogue(store, directory)
    finally:
        await database.dispose()
    print(
        f"{directory} -> {redacted(database.url)}: {len(claims)} claims in files; "
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
    )
    for stored in report.conflicts:
        print(
            f"  conflict: {stored.claim.id} was changed in chat by {stored.updated_by} at "
            f"{stored.updated_at:%Y-%m-%d %H:%M} UTC; the file's version was not imported"
        )
    for claim_id in report.only_in_database:
        print(f"  only in the database: {claim_id}")
    return 1 if report.conflicts else 0


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Export the catalogue as YAML files or ClaimReview JSON-LD."""
    from bot.catalogue.export import (
        ExportRefused,
        atomic_write,
        catalogue_yaml,
        check_replaceable,
        claim_review_document,
        write_yaml_directory,
    )

    claims = await _claims_for(settings, args.catalogue)
    if args.format == "yaml":
        if args.out:
            try:
                written = write_yaml_directory(claims, args.out, force=args.force)
            except ExportRefused as exc:
                raise UsageError(f"export {exc}") from None
            print(f"wrote {len(written)} changed files to {args.out}; {len(claims) - len(written)} unchanged")
        else:
            sys.stdout.write(catalogue_yaml(claims))
        return 0
    if not args.base_url:
        raise UsageError("ClaimReview needs the public address of your fact-checks: pass --base-url https://...")
    try:
        document = claim_review_document(claims, base_url=args.base_url, publisher=args.publisher)
    except FieldError as exc:
        raise UsageError(f"--base-url {exc}") from None
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        try:
            check_replaceable([args.out], force=args.force)
        except ExportRefused as exc:
            raise UsageError(f"export {exc}") from None
        atomic_write(args.out, text)
        print(f"wrote {len(document['@graph'])} ClaimReviews to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


async def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    """Print the stats for a period and optionally write the chart."""
    from bot.app import open_services
    from bot.core.stats import chart_of, charts_available, gather, stats_text

    try:
        async with open_services(settings) as services:
            figures = await gather(services.stores, args.period)
    except CommandError as exc:
        raise UsageError(str(exc)) from None
    print(stats_text(figures))
    if args.chart:
        if not charts_available():
            raise UsageError("--chart needs the charts extra: pip install 'factbot[charts]'")
        args.chart.write_bytes(chart_of(figures).data)
        print(f"chart written to {args.chart}")
    return 0


async def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    """Create or migrate the database schema."""
    from bot.app import open_database
    from bot.storage.db import redacted

    database, _ = await open_database(settings)
    await database.dispose()
    print(f"{redacted(database.url)}: schema is current")
    return 0


def _platform(args: argparse.Namespace) -> Platform:
    """The platform a command names, with its library installed."""
    platform: Platform = args.platform_plugin
    try:
        platform.require()
    except PlatformError as exc:
        raise UsageError(str(exc)) from None
    return platform


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run factbot on a chat platform until stopped."""
    from bot.app import open_services

    return await _platform(args).run(settings, args, open_services)


async def cmd_platform_tool(settings: Settings, args: argparse.Namespace) -> int:
    """A platform's own tool, such as `factbot discord sync`."""
    from bot.app import open_services

    _platform(args)
    tool: Callable[[Settings, argparse.Namespace, Any], Awaitable[int]] = args.platform_tool
    return await tool(settings, args, open_services)


def cmd_example_env(settings: Settings, args: argparse.Namespace) -> int:
    """Print config/example.env as the settings model defines it."""
    sys.stdout.write(example_env())
    return 0


def _named_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a file or directory, not be empty")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="factbot",
        description="Fact-check known claims with the documentary record, in Slack, Discord or a terminal.",
    )
    parser.add_argument("--config", type=Path, help="TOML settings file (default: config/factbot.toml if present)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level to stderr")
    parser.add_argument("--version", action="version", version=f"factbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def catalogue_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--catalogue", type=Path, metavar="DIR", help="use this YAML catalogue directly instead of the database"
        )

    check = sub.add_parser("check", help="fact-check a statement and print the reply")
    check.add_argument("text", nargs="+", help="the statement")
    catalogue_option(check)
    check.set_defaults(handler=cmd_check, is_async=True)

    match = sub.add_parser("match", help="match JSON lines {id, text} from stdin, one JSON answer per line")
    match.add_argument("--top", type=int, default=5, help="candidates per answer (default 5)")
    catalogue_option(match)
    match.set_defaults(handler=cmd_match, is_async=False)

    console = sub.add_parser("console", help="chat with factbot in the terminal")
    console.add_argument("--user", default="you", help="your user name in the chat (default: you)")
    console.add_argument("--moderator", action="store_true", help="speak as the configured console moderator")
    catalogue_option(console)
    console.set_defaults(handler=cmd_console, is_async=True)

    catalogue = sub.add_parser("catalogue", help="validate, lint, import or export the catalogue")
    catalogue_sub = catalogue.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")
    validate = catalogue_sub.add_parser("validate", help="check a YAML catalogue and list every problem")
    validate.add_argument("directory", nargs="?", type=Path)
    validate.add_argument("--dossier", type=Path, metavar="FILE", help="source dossier to check every excerpt against")
    validate.add_argument("--required", type=Path, metavar="FILE", help="YAML list of claim ids that must exist")
    validate.set_defaults(handler=cmd_validate, is_async=False)
    lint_parser = catalogue_sub.add_parser("lint", help="warn about near-duplicates, missing languages, stale reviews")
    lint_parser.add_argument("directory", nargs="?", type=Path)
    lint_parser.add_argument(
        "--languages",
        default=None,
        help="languages every claim should have aliases in (default: en,es,de,fr,ru)",
    )
    lint_parser.add_argument("--dossier", type=Path, metavar="FILE", help="source dossier for links, dates and caveats")
    lint_parser.set_defaults(handler=cmd_lint, is_async=False)
    for name in ("import", "sync"):
        imp = catalogue_sub.add_parser(name, help="import changes from claims/ into the database, keeping chat edits")
        imp.add_argument("directory", nargs="?", type=Path)
        imp.set_defaults(handler=cmd_import, is_async=True)
    export = catalogue_sub.add_parser("export", help="write the catalogue as YAML or ClaimReview JSON-LD")
    export.add_argument("--format", choices=("yaml", "claimreview"), default="yaml")
    export.add_argument(
        "--out", type=_named_path, help="a directory for yaml, a file for claimreview (default: stdout)"
    )
    export.add_argument("--base-url", help="public address under which each claim's review lives (claimreview)")
    export.add_argument("--publisher", default="factbot", help="organisation named as author (claimreview)")
    export.add_argument("--force", action="store_true", help="replace existing files that hold something else")
    catalogue_option(export)
    export.set_defaults(handler=cmd_export, is_async=True)

    installed = platforms()
    run = sub.add_parser("run", help=f"run factbot on a chat platform ({', '.join(installed)})")
    run_sub = run.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    for name, platform in installed.items():
        runner = run_sub.add_parser(name, help=f"run factbot on {platform.summary} until stopped")
        if platform.add_run_options is not None:
            platform.add_run_options(runner)
        runner.set_defaults(handler=cmd_run, is_async=True, log_level_from_settings=True, platform_plugin=platform)
        if platform.add_tools is not None:
            tools = sub.add_parser(name, help=f"{platform.summary} tools")
            platform.add_tools(tools)
            tools.set_defaults(handler=cmd_platform_tool, is_async=True, platform_plugin=platform)

    stats = sub.add_parser("stats", help="replies, feedback and reports for a period, with an optional chart")
    stats.add_argument("--period", default="7d", help="e.g. 24h, 7d, 30d or all (default 7d)")
    stats.add_argument("--chart", type=Path, help="write a PNG bar chart here")
    stats.set_defaults(handler=cmd_stats, is_async=True)

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="create or migrate the schema")
    upgrade.set_defaults(handler=cmd_db_upgrade, is_async=True)

    config = sub.add_parser("config", help="settings tools")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    env = config_sub.add_parser(
        "example-env", help="print every environment variable factbot reads (config/example.env)"
    )
    env.set_defaults(handler=cmd_example_env, is_async=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for `factbot` and `python -m bot`."""
    # Matching runs one message per thread, so OpenBLAS's pool of threads only costs start-up (a third of numpy's
    # import); set before numpy is first imported, and only where the environment says nothing.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"factbot: bad settings:\n{exc}", file=sys.stderr)
        return 2
    if getattr(args, "log_level_from_settings", False):
        level = "DEBUG" if args.verbose else settings.log.level
    elif args.command == "console":
        level = "INFO" if args.verbose else "ERROR"  # the log shares the terminal with the chat: errors only
    else:
        level = "INFO" if args.verbose else "WARNING"
    configure_logging(level, settings.log.format, secrets=secret_values(settings))
    handler: Callable[..., Any] = args.handler
    try:
        return _run(handler(settings, args)) if args.is_async else int(handler(settings, args))
    except UsageError as exc:
        print(f"factbot {args.command}: {exc}", file=sys.stderr)
        return 2
    except CatalogueError as exc:
        print(f"factbot: the catalogue has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (DatabaseUnavailable, StorageError) as exc:
        print(f"factbot: {_database_problem(settings, exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`factbot match | head`); stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"factbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Libraries a command loaded lazily (SQLAlchemy, the semantic model) raise their own errors: one line each.
        name = f"{type(exc).__module__}.{type(exc).__name__}"
        if name.startswith("sqlalchemy."):
            print(f"factbot: {_database_problem(settings, exc)}", file=sys.stderr)
            return 1
        if name.endswith(".SemanticUnavailable"):
            print(f"factbot: {exc}", file=sys.stderr)
            return 1
        raise


def _database_problem(settings: Settings, exc: BaseException) -> str:
    """A one-line account of a database failure, naming the database without its password."""
    if isinstance(exc, DatabaseUnavailable):
        return str(exc)
    from bot.storage.db import redacted

    where = redacted(settings.database.resolved_url())
    if isinstance(exc, StorageError):
        return f"{where}: {exc}"
    return f"cannot use the database {where}: {str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__}"
