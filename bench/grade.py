"""(d) class throughput of ``conformance grade``: servers graded per minute, --jobs 1 and 2.

    python -m bench.grade [--runs 1] [--apps 6]

Grades the first ``--apps`` student servers of ``tests/corpus/ex1`` (a mix of correct and
broken apps, as a class would be) into a temporary folder; the figure is apps / wall time.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
from pathlib import Path

from bench.common import PYTHON, ROOT, Row, markdown, median, wall

CORPUS = ROOT / "tests" / "corpus" / "ex1"


def available() -> bool:
    return importlib.util.find_spec("conformance.grader.command") is not None


def apps(count: int) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in sorted(CORPUS.glob("*.py"))[:count]]


def per_minute(jobs: int, count: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as out:
        argv = [PYTHON, "-m", "conformance.cli", "grade", "ex1", *apps(count)]
        argv += ["--jobs", str(jobs), "--reports", out, "--csv", str(Path(out) / "scores.csv")]
        seconds, last = wall(argv)
    return count / seconds * 60, last


def measure(runs: int, count: int) -> list[Row]:
    if not available():
        print("SKIPPED (d): conformance.grader.command does not exist yet")
        return []
    rows = []
    for jobs in (1, 2):
        figures, note = [], ""
        for _ in range(runs):
            rate, note = per_minute(jobs, count)
            figures.append(rate)
        note = f"{count} ex1 corpus apps; last line: {note[:60]}"
        rows.append(
            Row(f"grade --jobs {jobs}", "ex1 class", median(figures), "apps/min", runs, note)
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--apps", type=int, default=6)
    args = parser.parse_args()
    print(markdown(measure(args.runs, args.apps)))


if __name__ == "__main__":
    main()
