"""A warm grading pipeline: a prototype for issue 14, not used by `conformance grade`.

    python -m conformance.grader.warm EX APP... [--jobs 2] [--reports DIR] [--csv FILE]

Each ``--jobs`` slot has a long-lived worker process (``warm_worker.py``) that imports the
heavy libraries of the suite once and then, per student, forks a fresh pytest session with
exactly the arguments ``run.Options.pytest_command`` gives the cold pipeline.

Overlap: a slot sends the student's suite to its worker, then starts the next student's
server while the suite runs, then collects the result. Servers start exactly as in the cold
pipeline (``grader.sandbox.server.StudentServer``); the sandbox is none of this module's business.
"""

from __future__ import annotations

import argparse
import json
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from conformance import registry
from conformance.grader import classlist
from conformance.grader.run import (
    SERVER_LOG_SHOWN,
    Options,
    Result,
    new_seed,
    record_seed,
    suite_env,
)
from conformance.grader.sandbox import StartError, StudentServer, resolve
from conformance.grading import reports, rubric

# --- the grader's side --------------------------------------------------------------------


class Worker:
    """One slot's warm worker process."""

    def __init__(self) -> None:
        # the cold suite's whitelisted environment, with a private HOME and TMPDIR of its own
        self.home = Path(tempfile.mkdtemp(prefix="conformance-warm-"))
        env = suite_env(self.home)
        # run from its source, so that nothing of this package is imported before the fork
        source = Path(__file__).with_name("warm_worker.py").read_text(encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-c", source],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            start_new_session=True,
        )
        self._expect()  # the preload is done before the first student

    def submit(self, args: list[str], log: Path | None, timeout: float) -> None:
        assert self.process.stdin is not None
        job = {"args": args, "log": str(log) if log else None, "timeout": timeout}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()

    def result(self) -> dict[str, Any]:
        return self._expect()

    def _expect(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise RuntimeError("the warm worker died")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


@dataclass
class Started:
    """A student whose server is up (or who already has a result: 0, and why)."""

    app: str
    name: str
    report: Path
    server: StudentServer | None = None
    url: str = ""
    done: Result | None = None


def start(app: str, name: str, folder: Path, options: Options) -> Started:
    """Phase one of ``run.grade_one``: resolve the app and start its server."""
    report = (folder / f"{name}.json").resolve()
    report.unlink(missing_ok=True)
    try:
        spec = resolve(app)
    except ValueError as error:
        failed = Result.failed(name, app, report, f"no app to grade: {error}", options)
        return Started(app, name, report, done=failed)
    server = StudentServer(
        spec, folder.resolve() / f"{name}.server.log", startup_timeout=options.startup_timeout
    )
    try:
        url = server.start()
    except StartError as error:
        server.stop()
        message = f"the server did not start: {error}"
        return Started(app, name, report, done=Result.failed(name, app, report, message, options))
    return Started(app, name, report, server, url)


def finish(s: Started, reply: dict[str, Any], log: Path, options: Options) -> Result:
    """Phase two of ``run.grade_one``: stop the server, read the report."""
    assert s.server is not None
    s.server.stop()
    if not reply["finished"]:
        message = f"grading stopped: the suite ran longer than {options.run_timeout:g} s"
        return Result.failed(s.name, s.app, s.report, message, options)
    try:
        results = json.loads(s.report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
        message = f"the suite wrote no report (pytest stopped early).\n{tail}"
        return Result.failed(s.name, s.app, s.report, message, options)
    server_log = s.server.log_tail(SERVER_LOG_SHOWN)
    results["output"] = f"{results.get('output', '')}\n\n{server_log}".strip()
    record_seed(results, options.seed)
    reports.write_json(s.report, results)
    return Result(s.name, s.app, s.report, "graded", results)


def slot(
    todo: queue.SimpleQueue[tuple[str, str] | None],
    folder: Path,
    options: Options,
    done: list[Result],
    progress: classlist.Progress,
) -> None:
    """One ``--jobs`` slot: its worker grades student after student, the next server warming."""
    worker = Worker()
    try:
        upcoming = todo.get()
        current = start(*upcoming, folder, options) if upcoming else None
        while current is not None:
            log = folder.resolve() / f"{current.name}.pytest.log"
            if current.done is None:
                worker.submit(
                    # the cold command line without `python -I -m pytest`
                    options.pytest_command(current.url, current.report, worker.home)[4:],
                    log,
                    options.run_timeout,
                )
            upcoming = todo.get()
            following = start(*upcoming, folder, options) if upcoming else None  # overlap
            result = current.done or finish(current, worker.result(), log, options)
            done.append(result)
            progress.advance(f"{result.name} {result.line()}")
            current = following
    finally:
        worker.close()


def grade_class(apps: Sequence[str], folder: Path, options: Options, jobs: int) -> list[Result]:
    """Grade every app with ``jobs`` warm slots; the results sorted by name."""
    chosen = list(zip(apps, classlist.names(apps), strict=True))
    todo: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
    for pair in chosen:
        todo.put(pair)
    for _ in range(jobs):
        todo.put(None)
    folder.mkdir(parents=True, exist_ok=True)
    progress = classlist.Progress(len(chosen), sys.stderr)
    done: list[Result] = []
    threads = [
        threading.Thread(target=slot, args=(todo, folder, options, done, progress))
        for _ in range(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    progress.close()
    return sorted(done, key=lambda r: r.name)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m conformance.grader.warm", description=__doc__)
    p.add_argument("exercise", choices=registry.names())
    p.add_argument("apps", nargs="+", metavar="APP")
    p.add_argument("--jobs", "-j", type=int, default=2)
    p.add_argument("--reports", default="grading-reports", metavar="DIR")
    p.add_argument("--csv", metavar="FILE.csv")
    p.add_argument("--seed", type=int, help="as for `conformance grade` (default: a fresh one)")
    args = p.parse_args(argv)
    options = Options(exercise=args.exercise, seed=new_seed() if args.seed is None else args.seed)
    folder = Path(args.reports)
    results = grade_class(args.apps, folder, options, max(args.jobs, 1))
    for line in classlist.table(results):
        print(line)
    if args.csv:
        loaded = rubric.load(None)
        counted = [
            g
            for g in loaded.groups
            if g.exercise == args.exercise and g.tier in loaded.counted_tiers
        ]
        classlist.write_csv(Path(args.csv), results, counted)
    return 0 if all(r.status == "graded" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
