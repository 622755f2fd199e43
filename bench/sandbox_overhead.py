"""What the sandbox adds to class grading time: `conformance grade` with --sandbox auto vs off.

    python -m bench.sandbox_overhead [--runs 3] [--apps 4]

(1) Grades ``--apps`` copies of the lecture's ex1 and of its ex2 (each copy in its own
folder, as a class would be) with ``--jobs 2 --seed 1``, alternating the two modes run by run
so that the machine's noise hits both alike: the median wall time of each and the overhead.
Target (issue 12): the sandbox adds at most 10 %. (2) Its parts, less noisy: a student
server's start and stop, and a keep-alive request through the forwarder and Unix socket,
sandboxed vs a plain process on a TCP port.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import PYTHON, ROOT, Row, markdown, median, wall
from conformance.grader.sandbox.sandbox import Protections
from conformance.grader.sandbox.server import StudentServer, resolve
from conformance.grader.sandbox.uids import UidPool

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


def parts(runs: int, requests: int = 300) -> list[Row]:
    """Start + stop of one server, and ms per keep-alive request, each mode alternating."""
    modes = {"--sandbox off": Protections.detect("off"), "sandboxed": Protections.detect()}
    pool = UidPool(1)
    rows = []
    try:
        for exercise in ("ex1", "ex2"):
            app = resolve(str(LECTURE[exercise]))
            starts: dict[str, list[float]] = {mode: [] for mode in modes}
            per_request: dict[str, list[float]] = {mode: [] for mode in modes}
            for _ in range(runs):
                for mode, protections in modes.items():
                    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as name:
                        log = Path(name) / "server.log"
                        started = time.perf_counter()
                        server = StudentServer(app, log, protections=protections, uid=pool.uids[0])
                        with server as url, httpx.Client(base_url=url) as client:
                            up = time.perf_counter() - started
                            client.get("/openapi.json")
                            timed = time.perf_counter()
                            for i in range(requests):
                                client.get("/openapi.json", params={"i": i})
                            per_request[mode].append((time.perf_counter() - timed) / requests)
                            stopping = time.perf_counter()
                        starts[mode].append(up + time.perf_counter() - stopping)
            for mode in modes:
                subject = f"the lecture's {exercise}, {mode}"
                rows.append(Row("server start + stop", subject, median(starts[mode]), "s", runs))
                ms = median(per_request[mode]) * 1000
                rows.append(Row("keep-alive request", subject, ms, "ms", runs, f"{requests} GETs"))
    finally:
        pool.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--apps", type=int, default=4)
    parser.add_argument("--parts-only", action="store_true", help="only (2), a minute")
    args = parser.parse_args()
    rows = parts(max(args.runs, 5))
    if not args.parts_only:
        rows += measure(args.runs, args.apps)
    print(markdown(rows))


if __name__ == "__main__":
    main()
