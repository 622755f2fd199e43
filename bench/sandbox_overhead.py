"""What the sandbox adds to class grading time: `conformance grade` with --sandbox auto vs off.

    python -m bench.sandbox_overhead [--runs 3] [--apps 4]

Grades ``--apps`` copies of the lecture's ex1 and of its ex2 (each copy in its own folder, as
a class would be) with ``--jobs 2 --seed 1``, alternating the two modes run by run so that the
machine's noise hits both alike, and prints the median wall time of each and the overhead.
Target (issue 12): the sandbox adds at most 10 %.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench.common import PYTHON, ROOT, Row, markdown, median, wall

LECTURE = {ex: ROOT / "tests" / "lecture" / f"{ex}_app.py" for ex in ("ex1", "ex2")}
TARGET = 0.10


def grade(exercise: str, count: int, sandbox: str) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as name:
        root = Path(name)
        apps = []
        for index in range(count):
            target = root / "subs" / f"student{index}" / "app.py"
            target.parent.mkdir(parents=True)
            shutil.copy(LECTURE[exercise], target)
            apps.append(str(target))
        argv = [PYTHON, "-m", "conformance.cli", "grade", exercise, *apps, "--jobs", "2"]
        argv += ["--seed", "1", "--sandbox", sandbox, "--reports", str(root / "out")]
        argv += ["--csv", str(root / "grades.csv")]
        seconds, last = wall(argv)
        scores = [line.split(",")[2] for line in (root / "grades.csv").read_text().splitlines()]
        if set(scores[1:]) != {"100"}:
            raise SystemExit(f"{exercise} --sandbox {sandbox}: not every copy scored 100: {last}")
    return seconds


def measure(runs: int, count: int) -> list[Row]:
    rows = []
    for exercise in ("ex1", "ex2"):
        times: dict[str, list[float]] = {"off": [], "auto": []}
        for turn in range(runs):
            for mode in ("off", "auto") if turn % 2 == 0 else ("auto", "off"):
                times[mode].append(grade(exercise, count, mode))
        off, auto = median(times["off"]), median(times["auto"])
        overhead = auto / off - 1
        verdict = "MET" if overhead <= TARGET else "NOT MET"
        label = f"{count} copies of the lecture's {exercise}, --jobs 2"
        rows.append(Row("grade, --sandbox off", label, off, "s", runs, ""))
        rows.append(Row("grade, sandboxed", label, auto, "s", runs, ""))
        rows.append(
            Row("sandbox overhead", label, overhead * 100, "%", runs, f"target <= 10 %: {verdict}")
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--apps", type=int, default=4)
    args = parser.parse_args()
    print(markdown(measure(args.runs, args.apps)))


if __name__ == "__main__":
    main()
