"""How long `factbot check` takes from the shell, start to finish: the bundled catalogue from YAML (--catalogue),
and from the database (the default, SQLite, after a first run created it); beside the interpreter's own start.

    .venv/bin/python -m benchmarks.startup [--runs 15]

Each figure is the median (and the slowest) wall time of `runs` runs, one after another, in a fresh temporary
data directory, so nothing of the user's is read or written. Python's compiled modules go to a temporary cache
too (PYTHONPYCACHEPREFIX), written by one untimed run of each command: an installed factbot has them, and an
environment that sets PYTHONDONTWRITEBYTECODE would otherwise time compiling factbot's own sources on every run
(some 50 ms) whenever a checkout has no __pycache__ of its own.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import CLAIMS_DIR, machine

STATEMENT = "NATO never promised not to expand"


def timed(command: Sequence[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU times (user + system) of `runs` runs of a command; a failing run stops the benchmark.

    CPU time is what the command itself costs; wall time also counts waiting for a busy machine."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    factbot = str(Path(sys.executable).with_name("factbot"))
    with tempfile.TemporaryDirectory() as data:
        empty = Path(data) / "empty.env"  # no .env of the user's
        empty.write_text("")
        env = {
            **os.environ,
            "XDG_DATA_HOME": data,
            "FACTBOT_ENV_FILE": str(empty),
            "PYTHONPYCACHEPREFIX": str(Path(data) / "pycache"),
        }
        env.pop("DATABASE_URL", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([factbot, "check", STATEMENT], env=env, check=True, capture_output=True)  # creates the DB
        cases = {
            "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
            "factbot check --catalogue claims/ (YAML, no database)": [
                factbot,
                "check",
                "--catalogue",
                str(CLAIMS_DIR),
                STATEMENT,
            ],
            "factbot check (the database, SQLite)": [factbot, "check", STATEMENT],
        }
        for command in cases.values():  # untimed: writes the compiled modules each command imports
            subprocess.run(command, env=env, check=True, capture_output=True)
        results = {name: timed(command, env, args.runs) for name, command in cases.items()}
    print(f"start-up, {args.runs} runs each; machine: {machine()}")
    baseline = statistics.median(next(iter(results.values()))[0])
    for name, (walls, cpus) in results.items():
        median = statistics.median(walls)
        print(
            f"{name:<56} wall median {median:.3f} s (slowest {max(walls):.3f} s, {median / baseline:4.1f}x the "
            f"interpreter), CPU median {statistics.median(cpus):.3f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
