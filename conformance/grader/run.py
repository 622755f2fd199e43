"""Grade one app: start its server, run the suite against it in a subprocess, read the report.

The suite runs isolated from anything a submission (or the folder it runs in) could plant, and
writes no bytecode: ``python -IB -m pytest -c OUR.ini --rootdir PRIVATE --noconftest -p
no:cacheprovider --pyargs conformance --base-url URL --exercise EX --hypothesis-profile grading
--hypothesis-seed SEED --grade-report FILE --fresh-server --shown-base-url URL``, in a private
folder that is also its TMPDIR and HOME, with a whitelisted environment.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.grader.pages import plotcapture
from conformance.grader.sandbox import (
    PASSED_ENV,
    SUITE_MEMORY_MIB,
    CappedLog,
    Limits,
    Protections,
    StartError,
    StudentServer,
    launcher,
    read_tail,
    resolve,
    stop_group,
    wait_unreaped,
)
from conformance.grading import reports, rubric
from conformance.grading.scoring import fmt

SERVER_LOG_SHOWN = 3000
"""Characters of the server's own log added to a graded report's feedback."""


class Stoppable(Protocol):
    """A running server or suite that an interrupted grader must stop."""

    def stop(self) -> None: ...


class Suite:
    """A running suite process, so that an interrupted grader can stop it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def stop(self) -> None:
        stop_group(self.process, grace=0.5)


SUITE_CONFIG = "[pytest]\n# conformance grade's own, empty config: nothing ambient applies\n"


SHOWN_BASE_URL = "http://127.0.0.1:8000"
"""Where failures tell a graded student to send a request again: their own server, started
as the lecture starts it (``uvicorn app:app --port 8000``)."""


def new_seed() -> int:
    """A fresh seed for one grading run: hypothesis draws every generated input from it."""
    return secrets.randbelow(2**32)


@dataclass(frozen=True)
class Options:
    exercise: str
    rubric: str | None = None
    robust: bool = False
    request_timeout: float = 5.0
    startup_timeout: float = 30.0
    run_timeout: float = 900.0
    seed: int | None = None
    limits: Limits = field(default_factory=Limits)
    protections: Protections | None = None
    suite_memory_mib: int = SUITE_MEMORY_MIB

    def max_score(self) -> float:
        loaded = rubric.load(self.rubric)
        return sum(loaded.possible(self.exercise, tier) for tier in loaded.counted_tiers)

    def pytest_command(self, base_url: str, report: Path, folder: Path) -> list[str]:
        """The suite's command line, run from ``folder`` (private; our config is written there)."""
        # isolated, and no bytecode: pytest would write its rewritten plugins'
        return [sys.executable, "-IB", "-m", "pytest", *self.pytest_args(base_url, report, folder)]

    def pytest_args(self, base_url: str, report: Path, folder: Path) -> list[str]:
        """The arguments of ``pytest``: of :meth:`pytest_command`, and of a warm worker's
        ``pytest.main`` (``warm.py``)."""
        config = folder / "conformance-grade.ini"
        config.write_text(SUITE_CONFIG, encoding="utf-8")
        command = [
            "-c",
            str(config),
            "--rootdir",
            str(folder),
            "--noconftest",
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
            # The student reads their own base URL, never the forwarder's temporary port.
            "--shown-base-url",
            SHOWN_BASE_URL,
            # the server was started just now for this run: its starting state counts
            "--fresh-server",
            "-q",
        ]
        if self.seed is not None:
            command += ["--hypothesis-seed", str(self.seed)]
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
        record_seed(results, options.seed)
        with contextlib.suppress(OSError):  # a full disk costs this report, not the run
            reports.write_json(report, results)
        status = message.split("\n", 1)[0].split(":", 1)[0]
        return cls(name, app, report, status, results)


def record_seed(results: dict[str, Any], seed: int | None) -> None:
    """The run's seed in the report: ``extra_data.seed`` and a line of its feedback."""
    if seed is None:
        return
    results.setdefault("extra_data", {})["seed"] = seed
    note = f"Grading seed: {seed} (`conformance grade --seed {seed}` regrades with the same inputs)"
    results["output"] = f"{results.get('output', '')}\n\n{note}".strip()


@dataclass
class Started:
    """A student whose server is up, or who already has a result (0, and why)."""

    app: str
    name: str
    report: Path
    server: StudentServer | None = None
    url: str = ""
    done: Result | None = None


def grade_one(
    app: str,
    name: str,
    report: Path,
    logs: Path,
    options: Options,
    *,
    stream: bool,
    uid: int | None = None,
    running: set[Stoppable] | None = None,
) -> Result:
    """Grade ``app``; always write ``report``. ``stream``: show the suite's output here.

    ``uid``: the job slot's own uid for the server. ``running``: where the live server is
    registered while it runs, so an interrupted grader can stop it.
    """
    started = start(app, name, report, logs, options, uid=uid, running=running)
    if started.done is not None:
        return started.done
    suite_log = None if stream else suite_log_of(logs, name)
    try:
        problem = run_suite(options, started.url, started.report, suite_log, running)
    except BaseException:
        stop(started, running)
        raise
    return finish(started, problem, suite_log, options, running)


def suite_log_of(logs: Path, name: str) -> Path:
    return logs.resolve() / f"{name}.pytest.log"


def start(
    app: str,
    name: str,
    report: Path,
    logs: Path,
    options: Options,
    *,
    uid: int | None = None,
    running: set[Stoppable] | None = None,
) -> Started:
    """Phase one of grading: the app resolved and its server started (registered in
    ``running`` until :func:`finish` or :func:`stop`), or a result already: 0, and why."""
    report = report.resolve()
    report.unlink(missing_ok=True)  # never read a stale report from an earlier run
    try:
        spec = resolve(app)
    except ValueError as error:
        failed = Result.failed(name, app, report, f"no app to grade: {error}", options)
        return Started(app, name, report, done=failed)
    server = StudentServer(
        spec,
        logs.resolve() / f"{name}.server.log",
        startup_timeout=options.startup_timeout,
        protections=options.protections,
        limits=options.limits,
        uid=uid,
    )
    started = Started(app, name, report, server)
    if running is not None:
        running.add(server)
    try:
        started.url = server.start()
    except StartError as error:
        stop(started, running)
        message = f"the server did not start: {error}"
        started.done = Result.failed(name, app, report, message, options)
    except BaseException:
        stop(started, running)
        raise
    return started


def stop(started: Started, running: set[Stoppable] | None) -> None:
    """Stop the student's server (if any), and forget it."""
    if started.server is not None:
        started.server.stop()
        if running is not None:
            running.discard(started.server)


def finish(
    started: Started,
    problem: str | None,
    suite_log: Path | None,
    options: Options,
    running: set[Stoppable] | None,
) -> Result:
    """Phase two, after the suite ran (``problem``: why it did not finish, else None): the
    plot captured, the server stopped, the report read, the server log and the seed added."""
    name, app, report = started.name, started.app, started.report
    try:
        timeout = options.request_timeout
        plot = None if problem else plotcapture.for_report(options.exercise, started.url, timeout)
    finally:
        stop(started, running)
    if problem:
        return Result.failed(name, app, report, problem, options)
    try:
        results = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = read_tail(suite_log, 3000) if suite_log else ""
        message = f"the suite wrote no report (pytest stopped early).\n{tail}"
        return Result.failed(name, app, report, message, options)
    assert started.server is not None
    log = started.server.log_tail(SERVER_LOG_SHOWN)
    results["output"] = f"{results.get('output', '')}\n\n{log}".strip()
    if plot is not None:
        results.setdefault("extra_data", {})[plotcapture.EXTRA_KEY] = plot
    record_seed(results, options.seed)
    reports.write_json(report, results)
    return Result(name, app, report, "graded", results)


def keep_caches_private() -> None:
    """The grader's own process draws the reference plot with matplotlib, which would write
    its font cache and config into the teacher's HOME: they go to a temp folder of this run
    instead, removed at exit (unless ``MPLCONFIGDIR`` names one already)."""
    if "MPLCONFIGDIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="conformance-matplotlib-")
        os.environ["MPLCONFIGDIR"] = folder
        atexit.register(shutil.rmtree, folder, True)


def suite_env(folder: Path) -> dict[str, str]:
    """The suite's environment: a whitelist, with HOME and TMPDIR its private folder."""
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env.update(HOME=str(folder), TMPDIR=str(folder), PYTHONDONTWRITEBYTECODE="1")
    return env


def run_suite(
    options: Options,
    url: str,
    report: Path,
    log: Path | None,
    running: set[Stoppable] | None = None,
) -> str | None:
    """Run the suite, isolated and bounded in time; None when it finished, else why not."""
    with tempfile.TemporaryDirectory(prefix="conformance-run-") as name:
        folder = Path(name)
        command = options.pytest_command(url, report, folder)
        if sys.platform.startswith("linux"):  # bounded memory; dies with the grader
            limits = Limits(options.suite_memory_mib, 0, 0, 0, 0)
            command = launcher(limits, None, command, confine=False)
        out = CappedLog(log) if log else None
        try:
            process = subprocess.Popen(
                command,
                cwd=folder,
                env=suite_env(folder),
                stdin=subprocess.DEVNULL,
                stdout=out.fd if out else None,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )
            if out:
                out.close_writer()
            suite = Suite(process)
            if running is not None:
                running.add(suite)
            finished = wait_unreaped(process, options.run_timeout)
            stop_group(process, grace=2.0)  # and anything it left behind
            if running is not None:
                running.discard(suite)
        finally:
            if out:
                out.finish()
    return None if finished else too_long(options)


def too_long(options: Options) -> str:
    """Why a suite stopped at ``--run-timeout``."""
    return f"grading stopped: the suite ran longer than {options.run_timeout:g} s"
