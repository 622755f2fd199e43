"""(f) what the class page adds to grading: writing the pages, and capturing each ex2 /plot.

    python -m bench.classpage [--runs 5] [--students 71]

Grades four ex2 corpus apps once (two correct, two broken: real reports, real server logs,
real plots), copies them into a class of ``--students``, then times ``classpage.write`` for
that class: "cold" in a fresh Python process (imports, template compilation and the reference
plot included, as in one `conformance grade` run) and "warm" (the same process again). It also
times ``plotcapture.capture`` (/reset, POST /fit, GET /plot) against the lecture's ex2 app,
which `conformance grade ex2` does once per student before stopping their server, and
``imagecheck.inspect`` (the header reader every embedded image goes through) on the lecture's
plot and on issue 21's 194 KB PNG of 40000x40000 pixels.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, Row, markdown, median, served

APPS = ["lecture_verbatim", "numpy_lstsq", "plot_jpeg", "fit_no_intercept"]

TIMED = """
import json, sys, time
from pathlib import Path
from conformance.grader.job import Result
folder = Path(sys.argv[1])
results = [
    Result(p.stem, p.stem, p, "graded", json.loads(p.read_text()))
    for p in sorted(folder.glob("*.json"))
]
times = []
for _ in range(2):
    start = time.perf_counter()
    from conformance.grader.pages import classpage
    classpage.write(folder, "ex2", results)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def make_class(out: Path, students: int) -> None:
    graded = out / "graded"
    apps = [str(ROOT / "tests" / "corpus" / "ex2" / f"{stem}.py") for stem in APPS]
    argv = [PYTHON, "-m", "conformance.cli", "grade", "ex2", *apps, "--jobs", "2"]
    subprocess.run([*argv, "--reports", str(graded)], check=False, capture_output=True)
    reports = sorted(graded.glob("*.json"))
    folder = out / "class"
    folder.mkdir()
    for index in range(students):
        source = reports[index % len(reports)]
        name = f"student{index:03d}"
        (folder / f"{name}.json").write_text(source.read_text())
        shutil.copy(source.with_suffix(".server.log"), folder / f"{name}.server.log")


def measure(runs: int, students: int) -> list[Row]:
    cold, warm, capture = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-classpage-") as out:
        make_class(Path(out), students)
        folder = Path(out) / "class"
        for _ in range(runs):
            done = subprocess.run(
                [PYTHON, "-c", TIMED, str(folder)], check=True, capture_output=True, text=True
            )
            first, second = json.loads(done.stdout)
            cold.append(first)
            warm.append(second)
        size = sum(p.stat().st_size for p in folder.glob("*.html")) / 1e6
    from conformance import registry
    from conformance.grader.pages import plotcapture

    picture = registry.get("ex2").picture
    assert picture is not None

    with served(str(ROOT / "tests" / "lecture" / "ex2_app.py")) as server:
        for _ in range(runs):
            start = time.perf_counter()
            record = plotcapture.capture(server.base_url, 10.0, picture)
            capture.append(time.perf_counter() - start)
            assert "image_base64" in record, record
    note = f"{students} students, {len(APPS)} real ex2 reports repeated; {size:.1f} MB of HTML"
    return [
        Row("classpage.write, cold", "ex2 class", median(cold), "s", runs, note),
        Row("classpage.write, warm", "ex2 class", median(warm), "s", runs, note),
        Row("plotcapture.capture", "lecture ex2", median(capture), "s", runs, "per student"),
        *inspect_rows(runs),
    ]


def inspect_rows(runs: int) -> list[Row]:
    """``imagecheck.inspect`` on the reference plot (kept) and on the issue's bomb (refused)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile_text import bomb_png

    from conformance.grader.pages import imagecheck, plotcapture

    rows = []
    plot = plotcapture.reference_png("ex2")
    assert plot is not None
    for name, image in (("lecture's plot, 640x480", plot), ("40000x40000 PNG, 194 KB", bomb_png())):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            problem = imagecheck.problem(image)
            times.append((time.perf_counter() - start) * 1e6)
        verdict = f"refused: {problem}" if problem else "kept"
        rows.append(Row("imagecheck.inspect", name, median(times), "µs", runs, verdict[:60]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--students", type=int, default=71)
    args = parser.parse_args()
    print(markdown(measure(args.runs, args.students)))


if __name__ == "__main__":
    main()
