"""benchmarks.regenerate rewrites only the figure blocks of benchmarks/README.md, and refuses a README whose
blocks do not match its figures before anything is measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.regenerate import (
    FIGURES,
    README,
    MarkerError,
    Outcome,
    check_blocks,
    main,
    masked,
    render,
    replace_blocks,
    shown_arguments,
    with_rerun_note,
)

TEXT = """# Benchmarks

Prose before, quoting no figure.

<!-- figures:clef2020 begin -->
old clef figures
<!-- figures:clef2020 end -->

Prose between the blocks.

<!-- figures:speed begin -->
old speed figures
<!-- figures:speed end -->
Prose after.
"""


def test_replacing_a_block_keeps_every_line_outside_the_blocks() -> None:
    updated = replace_blocks(TEXT, {"clef2020": "new clef figures"})
    assert "new clef figures" in updated and "old clef figures" not in updated
    assert "old speed figures" in updated
    assert updated.replace("new clef figures", "old clef figures") == TEXT


def test_replacing_twice_gives_the_same_text() -> None:
    once = replace_blocks(TEXT, {"clef2020": "A\n", "speed": "\nB"})
    assert replace_blocks(once, {"clef2020": "A\n", "speed": "\nB"}) == once


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TEXT.replace("<!-- figures:speed end -->", ""), "no end marker"),
        (TEXT.replace("<!-- figures:clef2020 end -->", ""), "not closed"),
        (TEXT.replace("<!-- figures:speed begin -->", ""), "without its begin"),
        (TEXT + "<!-- figures:speed begin -->\n<!-- figures:speed end -->\n", "appears twice"),
    ],
)
def test_a_broken_marker_is_refused(text: str, message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        replace_blocks(text, {"clef2020": "x"})


def test_a_missing_block_is_named_with_the_markers_to_add() -> None:
    with pytest.raises(MarkerError, match=r"no block for nato-dev: add <!-- figures:nato-dev begin -->"):
        check_blocks(TEXT, ["clef2020", "nato-dev"], ["clef2020", "speed", "nato-dev"])
    with pytest.raises(MarkerError, match="no block for nato-dev"):
        replace_blocks(TEXT, {"nato-dev": "x"})


def test_a_block_no_figure_fills_is_refused() -> None:
    with pytest.raises(MarkerError, match="blocks no figure fills: speed"):
        check_blocks(TEXT, ["clef2020"], ["clef2020"])


def test_the_command_stops_before_measuring_when_a_block_is_missing(tmp_path: Path, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(TEXT)
    (tmp_path / "benchmarks" / "clef2020").mkdir(parents=True)
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "nato-dev.jsonl").write_text("")
    assert main([str(tmp_path), "--readme", str(readme), "--only", "clef2020,nato-dev"]) == 2
    assert "no block for nato-dev" in capsys.readouterr().err
    assert readme.read_text() == TEXT


def test_the_published_readme_has_a_block_for_every_figure_and_the_machine() -> None:
    names = [f.name for f in FIGURES] + ["machine"]
    check_blocks(README.read_text(encoding="utf-8"), names, names)


def test_timings_are_masked_and_figures_are_not() -> None:
    line = "typo20   0.880 [0.836, 0.921]     0.880 [0.836, 0.921]     0.854 [0.804, 0.899]     1.19"
    other = line[:-4] + "2.07"
    assert masked(line) == masked(other)
    assert masked(line) != masked(line.replace("0.880", "0.879", 1))
    assert masked("index build 1.13 s") == masked("index build 0.90 s")
    assert masked("0.52 ms per tweet; unprompted replies: 0") != masked("0.52 ms per tweet; unprompted replies: 1")


def test_a_table_shows_each_run_its_command_and_the_ratio_to_the_runs_first_row() -> None:
    figure = next(f for f in FIGURES if f.name == "slack-scale")
    records = [
        {"workers": w, "events_per_second": eps, "ack_ms_p50": 1.0, "ack_ms_p99": 2.0, "reply_ms_p50": 3.0,
         "reply_ms_p99": 4.0, "replies": 10, "duplicate_replies": 0, "unanswered": 0, "db_share": 0.5,
         "cpu_workers_s": 1.0, "cpu_postgres_s": 0.5, "cpu_other_programs_s": 0.0}
        for w, eps in ((1, 100.0), (2, 150.0))
    ]  # fmt: skip
    outcomes = [Outcome(f"python -m benchmarks.slack_scale run{i}", "", 0, 1.0, 0.5, 0.6, records) for i in (1, 2)]
    text = render(figure, outcomes)
    assert "| 2, burst | 150 | 1.50x |" in text
    assert "| 1, paced, 80 events/s | 100 | 1.00x |" in text
    assert "python -m benchmarks.slack_scale run2   # paced, 80 events/s" in text


def test_a_timing_block_prints_its_load_average_and_a_quality_block_its_output() -> None:
    speed = next(f for f in FIGURES if f.name == "speed")
    text = render(speed, [Outcome("python -m benchmarks.speed X", "figures\n", 0, 12.0, 0.51, 0.84)])
    assert "python -m benchmarks.speed X" in text and "figures" in text
    assert "before / after: 0.51 / 0.84" in text
    clef = next(f for f in FIGURES if f.name == "clef2020")
    assert "Load average" not in render(clef, [Outcome("python -m benchmarks.clef2020 X", "MAP", 0, 1.0, 0.5, 0.5)])


def test_the_machine_block_shows_the_command_without_where_its_output_went() -> None:
    argv = ["../shared", "--readme", "/tmp/x.md", "--results=/tmp/r", "--semantic-python", "../semvenv/bin/python"]
    assert shown_arguments(argv) == ["../shared", "--semantic-python", "../semvenv/bin/python"]


def test_a_table_gives_each_runs_load_average() -> None:
    figure = next(f for f in FIGURES if f.name == "discord-load")
    outcomes = [Outcome(f"python -m benchmarks.discord_load {i}", "", 0, 10.0, 0.1 * i, 0.2 * i, []) for i in range(6)]
    text = render(figure, outcomes)
    assert "60 s in all; load average (1 min) before / after each command: 0.00 / 0.00, 0.10 / 0.20," in text
    assert "0.50 / 1.00 (2 means both cores busy)." in text


def test_fuzz_compares_its_counts_but_not_the_replies_the_clock_refused() -> None:
    a = "12,000 events (seed 1), 9,391 replies rendered\n  discord pings 0"
    assert masked(a) == masked(a.replace("9,391", "9,282"))
    assert masked(a) != masked(a.replace("pings 0", "pings 1"))


def test_a_partial_rerun_is_noted_in_the_machine_block() -> None:
    text = "<!-- figures:machine begin -->\n- **Commit**: `abc`\n<!-- figures:machine end -->\n"
    block = with_rerun_note(text, ["speed", "fuzz"], "def")
    assert block.startswith("- **Commit**: `abc`\n- **Rerun with `--only`**: speed, fuzz on ")
    assert block.endswith("at `def`")
