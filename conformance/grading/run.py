"""Grade one app: start its server, run the suite against it in a subprocess, read the report.

The suite runs as ``python -m pytest --pyargs conformance --base-url URL --exercise EX
-p no:cacheprovider --hypothesis-profile grading --grade-report FILE``, from an empty folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.grading import plotcapture, reports, rubric
from conformance.grading.scoring import fmt
from conformance.grading.server import (
    StartError,
    StudentServer,
    resolve,
    stop_group,
    wait_unreaped,
)

SERVER_LOG_SHOWN = 3000
"""Characters of the server's own log added to a graded report's feedback."""

DROPPED_ENV = ("PYTEST_ADDOPTS", "PYTEST_BASE_URL", "CONFORMANCE_EXERCISE", "CONFORMANCE_RUBRIC")
"""Grader-side settings that must not change how the suite runs under `conformance grade`."""


@dataclass(frozen=True)
class Options:
    exercise: str
    rubric: str | None = None
    robust: bool = False
    request_timeout: float = 5.0
    startup_timeout: float = 30.0
    run_timeout: float = 900.0

    def max_score(self) -> float:
        loaded = rubric.load(self.rubric)
        return sum(loaded.possible(self.exercise, tier) for tier in loaded.counted_tiers)

    def pytest_command(self, base_url: str, report: Path) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "conformance",
            "--base-url",
            base_url,
            "--exercise",
            self.exercise,
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile",
            "grading",
            "--grade-report",
            str(report),
            "--request-timeout",
            f"{self.request_timeout:g}",
            "-q",
        ]
        if self.rubric:
            command += ["--rubric", str(Path(self.rubric).resolve())]
        if self.robust:
            command.append("--robust")
        return command


@dataclass
class Result:
    """One app's outcome: graded (a score), or not (0, and why)."""

    name: str
    app: str
    report: Path
    status: str
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(self.results.get("score", 0.0))

    @property
    def max_score(self) -> float:
        return float(self.results.get("max_score", 0.0))

    def line(self) -> str:
        note = "" if self.status == "graded" else f"  ({self.status})"
        return f"{fmt(self.score)}/{fmt(self.max_score)}{note}"

    @classmethod
    def failed(cls, name: str, app: str, report: Path, message: str, options: Options) -> Result:
        results = reports.gradescope_failure(message, options.max_score())
        reports.write_json(report, results)
        status = message.split("\n", 1)[0].split(":", 1)[0]
        return cls(name, app, report, status, results)


def grade_one(
    app: str, name: str, report: Path, logs: Path, options: Options, *, stream: bool
) -> Result:
    """Grade ``app``; always write ``report``. ``stream``: show the suite's output here."""
    report = report.resolve()
    report.unlink(missing_ok=True)  # never read a stale report from an earlier run
    try:
        spec = resolve(app)
    except ValueError as error:
        return Result.failed(name, app, report, f"no app to grade: {error}", options)
    server_log = logs.resolve() / f"{name}.server.log"
    server = StudentServer(spec, server_log, startup_timeout=options.startup_timeout)
    try:
        try:
            url = server.start()
        except StartError as error:
            return Result.failed(name, app, report, f"the server did not start: {error}", options)
        suite_log = None if stream else logs.resolve() / f"{name}.pytest.log"
        problem = run_suite(options.pytest_command(url, report), suite_log, options.run_timeout)
        timeout = options.request_timeout
        plot = None if problem else plotcapture.for_report(options.exercise, url, timeout)
    finally:
        server.stop()
    if problem:
        return Result.failed(name, app, report, problem, options)
    try:
        results = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = _tail(suite_log) if suite_log else ""
        message = f"the suite wrote no report (pytest stopped early).\n{tail}"
        return Result.failed(name, app, report, message, options)
    log = server.log_tail(SERVER_LOG_SHOWN)
    results["output"] = f"{results.get('output', '')}\n\n{log}".strip()
    if plot is not None:
        results.setdefault("extra_data", {})[plotcapture.EXTRA_KEY] = plot
    reports.write_json(report, results)
    return Result(name, app, report, "graded", results)


def run_suite(command: list[str], log: Path | None, timeout: float) -> str | None:
    """Run the suite; None when it finished, else why it did not."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    with tempfile.TemporaryDirectory(prefix="conformance-run-") as folder:
        out = log.open("wb") if log else None
        try:
            process = subprocess.Popen(
                command,
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )
            finished = wait_unreaped(process, timeout)
            stop_group(process, grace=2.0)  # and anything it left behind
        finally:
            if out:
                out.close()
    if not finished:
        return f"grading stopped: the suite ran longer than {timeout:g} s"
    return None


def _tail(path: Path, limit: int = 3000) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text[-limit:]
