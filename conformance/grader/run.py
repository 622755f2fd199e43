"""Grade one app: start its server, run the suite against it in a subprocess, read the report.

The suite runs isolated from anything a submission (or the folder it runs in) could plant, and
writes no bytecode: ``python -IB -m pytest -c OUR.ini --rootdir PRIVATE --noconftest -p
no:cacheprovider --pyargs conformance --base-url URL --exercise EX --hypothesis-profile grading
--hypothesis-seed SEED --grade-report FILE --fresh-server --shown-base-url URL``, in a private
folder that is also its TMPDIR and HOME, with a whitelisted environment.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conformance.grader import unicode_tables
from conformance.grader.job import Job, Options, Result, Stoppable, record_seed
from conformance.grader.pages import plotcapture
from conformance.grader.sandbox import (
    PASSED_ENV,
    CappedLog,
    Limits,
    StartError,
    StudentServer,
    launcher,
    read_tail,
    resolve,
    stop_group,
    wait_unreaped,
)
from conformance.grading import reports

SERVER_LOG_SHOWN = 3000
"""Characters of the server's own log added to a graded report's feedback."""


class Suite:
    """A running suite process, so that an interrupted grader can stop it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def stop(self) -> None:
        stop_group(self.process, grace=0.5)


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
    job: Job,
    options: Options,
    *,
    stream: bool,
    uid: int | None = None,
    running: set[Stoppable] | None = None,
) -> Result:
    """Grade ``job.app``; always write ``job.report``. ``stream``: show the suite's output here.

    ``uid``: the job slot's own uid for the server. ``running``: where the live server is
    registered while it runs, so an interrupted grader can stop it.
    """
    started = start(job, options, uid=uid, running=running)
    if started.done is not None:
        return started.done
    suite_log = None if stream else suite_log_of(job.logs, job.name)
    try:
        problem = run_suite(options, started.url, started.report, suite_log, running)
    except BaseException:
        stop(started, running)
        raise
    return finish(started, problem, suite_log, options, running)


def suite_log_of(logs: Path, name: str) -> Path:
    return logs.resolve() / f"{name}.pytest.log"


def start(
    job: Job,
    options: Options,
    *,
    uid: int | None = None,
    running: set[Stoppable] | None = None,
) -> Started:
    """Phase one of grading: the app resolved and its server started (registered in
    ``running`` until :func:`finish` or :func:`stop`), or a result already: 0, and why."""
    app, name, report = job.app, job.name, job.report.resolve()
    report.unlink(missing_ok=True)  # never read a stale report from an earlier run
    try:
        spec = resolve(app)
    except ValueError as error:
        failed = Result.failed(name, app, report, f"no app to grade: {error}", options)
        return Started(app, name, report, done=failed)
    server = StudentServer(
        spec,
        job.logs.resolve() / f"{name}.server.log",
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
        unicode_tables.copy_into(folder / ".hypothesis")
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
