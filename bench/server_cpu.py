"""(g) Where a graded submission's CPU time goes: the student's server or the suite.

    python -m bench.server_cpu [--runs 5] [--app lecture] [--exercise ex1]

Each run serves the app (the lecture's verbatim code by default) in a fresh uvicorn process,
runs the grading suite at it as the grader does (``pytest --pyargs conformance --base-url URL
--exercise EX --hypothesis-profile grading --hypothesis-seed 1 --fresh-server``, a cold
``pytest`` in a scratch folder given hypothesis' Unicode tables, no project config), and reads
the server's CPU time (user + system, Linux ``/proc``) when it first answers and after the
suite. Printed: medians of the server's start-up CPU, the server's CPU answering the suite, and
the suite's own CPU. Outside the sandbox, so a little less than a sandboxed server costs. Why
it matters: at 30 submissions a minute, 2 cores give each submission 4 CPU s in all
(docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.common import APPS, PYTHON, Row, markdown, median, served
from conformance.grader import unicode_tables


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(exercise: str, app: str) -> tuple[float, float, float]:
    """(server start-up CPU, server CPU answering the suite, the suite's CPU) of one run."""
    with served(APPS[exercise][app]) as server, tempfile.TemporaryDirectory() as scratch:
        unicode_tables.copy_into(Path(scratch, ".hypothesis"))  # as the grader does
        started = cpu_seconds(server.pid)
        before = children_cpu()
        done = subprocess.run(
            [
                *(PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance"),
                *("--base-url", server.base_url, "--exercise", exercise, "-q"),
                *("--hypothesis-profile", "grading", "--hypothesis-seed", "1", "--fresh-server"),
                *("--rootdir", scratch, "--noconftest"),  # as the grader: no project config
            ],
            cwd=scratch,
            capture_output=True,
            text=True,
            check=False,
        )
        suite = children_cpu() - before
        answering = cpu_seconds(server.pid) - started
    if app == "lecture" and done.returncode != 0:
        raise SystemExit(f"the suite failed the lecture's {exercise}:\n{done.stdout[-2000:]}")
    return started, answering, suite


def measure(exercises: Sequence[str], app: str, runs: int) -> list[Row]:
    rows = []
    for exercise in exercises:
        results = [one_run(exercise, app) for _ in range(runs)]
        subject = f"{exercise} {app}"
        start, answer, suite = (median([r[i] for r in results]) for i in range(3))
        rows += [
            Row("server start-up (CPU)", subject, start, "s", runs, "outside the sandbox"),
            Row("server answering the suite (CPU)", subject, answer, "s", runs),
            Row("the suite, a cold pytest (CPU)", subject, suite, "s", runs, "grading profile"),
            Row("server / (server + suite)", subject, (start + answer) / (start + answer + suite),
                "", runs),
        ]  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--app", choices=["lecture", "reference"], default="lecture")
    parser.add_argument("--exercise", action="append", choices=sorted(APPS))
    args = parser.parse_args(argv)
    print(markdown(measure(args.exercise or sorted(APPS), args.app, args.runs)))


if __name__ == "__main__":
    main()
