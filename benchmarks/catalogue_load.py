"""How long a large catalogue takes to load: 8,000 claims in one file, and the CLEF-2020 claims as ten files.

    .venv/bin/python -m benchmarks.catalogue_load [../shared/benchmarks/clef2020]

Writes the catalogues to a temporary directory as YAML, then times, as users run them:
`factbot catalogue validate DIR` on 8,000 claims in one file, and the first answer of
`factbot match --catalogue DIR` on the 10,375 CLEF claims split over ten files (load, validate, index, one
line matched); and, in this process, loading the ten files and building the matcher. The baseline, timed in the
same run: a Python process that only parses the same YAML with PyYAML's C loader (no validation, no index).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from benchmarks.common import DEFAULT_CLEF, ROOT, machine, read_clef_claims, timed
from bot.catalogue.loader import load_directory
from bot.matching.matcher import ClaimMatcher

SLUG = re.compile(r"[^a-z0-9]+")


def claim_data(claim_id: str, text: str, title: str) -> dict[str, object]:
    """A valid catalogue entry for a benchmark claim."""
    text, title = " ".join(text.split()), " ".join(title.split())
    return {
        "id": claim_id,
        "claim": text[:500],
        "verdict": "unsupported",
        "summary": "A benchmark claim.",
        "aliases": [title[:500]] if title.strip() and title.strip().casefold() != text.strip().casefold() else [],
        "evidence": [
            {
                "title": "Benchmark document",
                "date": "2020-01-01",
                "source": "Benchmark",
                "url": "https://example.org/benchmark",
                "excerpt": "A benchmark excerpt.",
                "stance": "context",
            }
        ],
    }


def write_list(path: Path, claims: Sequence[dict[str, object]]) -> None:
    path.write_text(yaml.safe_dump(list(claims), allow_unicode=True, sort_keys=False), encoding="utf-8")


def yaml_only_seconds(folder: Path) -> float:
    """The baseline: a fresh interpreter that parses every YAML file of `folder` with the C loader, nothing else."""
    script = (
        "import sys, pathlib, yaml\n"
        "for f in sorted(pathlib.Path(sys.argv[1]).glob('*.yaml')): yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, str(folder)], check=True)
    return time.perf_counter() - start


def factbot_seconds(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=json.dumps({"id": "q", "text": "the moon landing was faked"}) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return time.perf_counter() - start, result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clef", nargs="?", type=Path, default=DEFAULT_CLEF)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as temp:
        one_file = Path(temp) / "one"
        one_file.mkdir()
        write_list(
            one_file / "all.yaml", [claim_data(f"claim-{i}", f"Benchmark claim number {i}.", "") for i in range(8000)]
        )
        seconds, result = factbot_seconds("catalogue", "validate", str(one_file))
        assert result.returncode == 0, result.stderr
        print(f"8,000 claims in one file: `factbot catalogue validate` {seconds:.2f} s (whole command)")
        baseline = yaml_only_seconds(one_file)
        print(f"  baseline, the YAML parsed alone in a fresh interpreter: {baseline:.2f} s ({seconds / baseline:.1f}x)")

        clef = read_clef_claims(args.clef)
        ten = Path(temp) / "clef"
        ten.mkdir()
        seen: set[str] = set()
        entries = []
        for claim in clef:
            claim_id = SLUG.sub("-", claim.id.lower()).strip("-")[:80] or "claim"
            while claim_id in seen:
                claim_id += "-x"
            seen.add(claim_id)
            entries.append(claim_data(claim_id, claim.text, claim.title))
        size = -(-len(entries) // 10)
        for part in range(10):
            write_list(ten / f"part-{part}.yaml", entries[part * size : (part + 1) * size])
        seconds, result = factbot_seconds("match", "--catalogue", str(ten))
        assert result.returncode == 0 and result.stdout.count("\n") == 1, result.stderr
        print(f"CLEF-2020, {len(entries):,} claims in ten files: first answer of `factbot match` {seconds:.2f} s")
        baseline = yaml_only_seconds(ten)
        print(f"  baseline, the YAML parsed alone in a fresh interpreter: {baseline:.2f} s ({seconds / baseline:.1f}x)")
        loaded: list = []
        load = timed(lambda: loaded.extend(load_directory(ten)))
        build = timed(lambda: ClaimMatcher([e.claim for e in loaded]))
        print(f"  in process: load and validate {load:.2f} s, build the matcher {build:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
