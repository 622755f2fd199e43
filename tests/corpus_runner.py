"""Serve one corpus server with uvicorn in a subprocess and run the conformance suite at it.

The corpus (``tests/corpus/ex1/*.py``, ``tests/corpus/ex2/*.py``) holds small student
servers, each opening with a header that says whether it is correct and, if not, what is
wrong and which tests must catch it (the format is described in ``tests/corpus/README.md``).
This module parses those headers, runs one server against the suite exactly as a teacher
would (``pytest --pyargs conformance --base-url ... --exercise ...``), and reads the verdict
back from the suite's JUnit XML. It knows nothing about pytest fixtures: ``test_corpus.py``
does the wiring and the asserting.

The suite runs in a warm worker (``Workers``): the grader's own (``conformance.grader.warm``),
which imports pytest and its plugins once and forks a fresh pytest session per server with
exactly the cold command's arguments. ``CORPUS_COLD=1`` runs ``python -m pytest`` per server.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warm_servers import WarmServers

from conformance.appspec import AppSpec
from conformance.grader.warm import Worker
from conformance.live import NotServing, popen, serve_process

CORPUS = Path(__file__).resolve().parent / "corpus"
REPO = CORPUS.parent.parent

VERDICTS = ("broken", "correct")
TIERS = ("documented", "robust", "property")
CATEGORIES = {
    # broken servers
    "json-types": "a value has the wrong JSON type (2.0 for 2, '1234' for 1234, lists)",
    "keys": "a success body has a wrong or renamed key",
    "optional-keys": "an optional key is present when it must be absent, or the reverse",
    "values": "the right shape with a wrong value",
    "validation": "parameters or bodies validated differently: status, required, 422 shape",
    "status-codes": "a wrong status code for a non-validation outcome (404, 500, 201)",
    "routes": "a route with the wrong path or method",
    "items-state": "the /items list: appending, ordering, indexing, off-by-one",
    "model-fit": "fitting details: intercept, regularisation, refitting, precision",
    "predict": "/predict ignores or mishandles the X it is sent",
    "reset": "/reset does not reset, or answers the wrong thing",
    "plot": "/plot: content type, image format, before-fit status",
    "redirect": "GET / on ex2 does not redirect to /docs (or the page it leads to fails)",
    "starting-state": "the server does not start as the lecture's (items listed, a model fitted)",
    "clients": "state kept per client (a cookie), or lost when requests overlap",
    "sizes": "a cap or a cut past the sizes other tests send: long text, long lists, many rows",
    "data-cleaning": "/fit drops rows (repeats, outliers) instead of fitting every row it is sent",
    "caches": "an answer cached by its input and not cleared when the model changes",
    # correct servers
    "lecture": "the lecture's own code, verbatim",
    "style": "a correct answer written in a different style",
}
HEADER_KEYS = ("verdict", "exercise", "category", "mistake", "caught-by", "tier", "style")
HEADER_KEYS += ("verbatim-of", "groups")
HEADER_LINE = re.compile(r"^# ([a-z-]+): (.*)$")

STARTUP_TIMEOUT = 30.0
"""Seconds a server may take to answer its first request (ex2 imports sklearn: ~2 s)."""

SUITE_TIMEOUT = 300.0
"""Seconds one run of the suite may take against one server."""

SCRUBBED_ENV = ("PYTEST_ADDOPTS", "PYTEST_BASE_URL", "PYTEST_PLUGINS", "CONFORMANCE_EXERCISE")
"""Environment variables of the outer pytest run that must not leak into the inner one."""


@dataclass(frozen=True)
class Server:
    """One corpus file and what its header says about it."""

    path: Path
    verdict: str
    exercise: str
    category: str
    tier: str
    caught_by: tuple[str, ...]
    mistake: str
    style: str
    verbatim_of: str | None
    body: str = field(repr=False)
    groups: tuple[str, ...] = ()
    """The rubric groups its mistake belongs to: the only ones that may lose points."""

    @property
    def id(self) -> str:
        return f"{self.exercise}/{self.path.stem}"

    @property
    def broken(self) -> bool:
        return self.verdict == "broken"


def parse_header(path: Path) -> tuple[dict[str, str], str]:
    """The header's ``key: value`` pairs, and the file's text after the header."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = HEADER_LINE.match(line.rstrip("\n"))
        if match is None or match.group(1) not in HEADER_KEYS:
            return header, "".join(lines[index:])
        header[match.group(1)] = match.group(2).strip()
    return header, ""


def load(path: Path) -> Server:
    """Read one corpus file; a malformed header raises ``ValueError`` naming the file."""
    header, body = parse_header(path)
    problems = []
    verdict = header.get("verdict", "")
    if verdict not in VERDICTS:
        problems.append(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    if header.get("exercise") != path.parent.name:
        problems.append(f"exercise must be {path.parent.name!r} (its folder)")
    if header.get("category") not in CATEGORIES:
        problems.append(f"category must be one of {sorted(CATEGORIES)}")
    tier = header.get("tier", "documented")
    if tier not in TIERS:
        problems.append(f"tier must be one of {TIERS}, got {tier!r}")
    caught_by = tuple(header.get("caught-by", "").split())
    if verdict == "broken" and not (caught_by and header.get("mistake")):
        problems.append("a broken server needs 'mistake:' and 'caught-by:' lines")
    if verdict == "correct" and (caught_by or not header.get("style")):
        problems.append("a correct server has a 'style:' line and no 'caught-by:'")
    groups = tuple(header.get("groups", "").split())
    if verdict == "broken" and not groups:
        problems.append("a broken server needs a 'groups:' line (the rubric groups it costs)")
    if problems:
        raise ValueError(f"{path}: bad corpus header: " + "; ".join(problems))
    return Server(
        path=path,
        verdict=verdict,
        exercise=header["exercise"],
        category=header["category"],
        tier=tier,
        caught_by=caught_by,
        mistake=header.get("mistake", ""),
        style=header.get("style", ""),
        verbatim_of=header.get("verbatim-of"),
        body=body,
        groups=groups,
    )


def discover(root: Path = CORPUS) -> list[Server]:
    """Every corpus server, ex1 first, then by name."""
    return [load(path) for path in sorted(root.glob("ex*/*.py"))]


@dataclass(frozen=True)
class TestResult:
    """One testcase of the suite's JUnit XML."""

    __test__ = False  # not a pytest test class

    classname: str
    name: str
    outcome: str  # passed, failed, skipped
    message: str

    def matches(self, wanted: str) -> bool:
        """``test_x`` names every ``test_x[...]``; ``test_x[p]`` names exactly that case."""
        if "[" in wanted:
            return self.name == wanted
        return self.name == wanted or self.name.startswith(wanted + "[")


def read_junit(path: Path) -> list[TestResult]:
    """Every testcase in a JUnit XML file written by ``pytest --junitxml``."""
    results = []
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
                message = (child.get("message") or "") + "\n" + (child.text or "")
            elif child.tag == "skipped" and outcome == "passed":
                outcome, message = "skipped", child.get("message") or ""
        results.append(
            TestResult(case.get("classname", ""), case.get("name", ""), outcome, message)
        )
    return results


@dataclass
class Run:
    """What happened when one server met the suite."""

    server: Server
    args: list[str]
    returncode: int | None = None
    results: list[TestResult] = field(default_factory=list)
    output: str = ""
    server_log: str = ""
    error: str | None = None  # the run could not be completed (server did not start, ...)
    startup_seconds: float = 0.0
    suite_seconds: float = 0.0

    @property
    def failed(self) -> list[TestResult]:
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def seconds(self) -> float:
        return self.startup_seconds + self.suite_seconds


COLD = os.environ.get("CORPUS_COLD", "") not in ("", "0")
"""``CORPUS_COLD=1``: a fresh ``python -m pytest`` per server instead of a warm worker's fork."""

FRESH_SERVERS = os.environ.get("CORPUS_FRESH_SERVERS", "") not in ("", "0")
"""``CORPUS_FRESH_SERVERS=1``: each server a fresh ``python -m uvicorn`` instead of a fork of
the pre-imported interpreter (the same verdicts, ~2 s more a server for ex2)."""


class Workers:
    """Warm workers for the threads that grade corpus servers: one per thread at a time,
    started when first needed, reused server after server, closed by ``close``; and one
    pre-imported interpreter that the servers are forked from (``tests/warm_servers.py``)."""

    def __init__(self) -> None:
        self._free: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._all: list[Worker] = []
        self._lock = threading.Lock()
        self._servers: WarmServers | None = None

    def servers(self) -> WarmServers:
        """The pre-imported interpreter the servers are forked from, started when first needed."""
        with self._lock:
            if self._servers is None:
                self._servers = WarmServers(child_env())
            return self._servers

    @contextlib.contextmanager
    def borrow(self) -> Iterator[Worker]:
        try:
            worker = self._free.get_nowait()
        except queue.Empty:
            worker = Worker()
            with self._lock:
                self._all.append(worker)
        try:
            yield worker
        except BaseException:
            self._retire(worker)  # a worker that failed a job is not trusted with the next
            raise
        self._free.put(worker)

    def _retire(self, worker: Worker) -> None:
        with self._lock:
            self._all.remove(worker)
        worker.close()

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
            servers, self._servers = self._servers, None
        for worker in workers:
            worker.close()
        if servers is not None:
            servers.close()


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def suite_command(server: Server, base_url: str, junit: Path, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "--pyargs",
        "conformance",
        "--base-url",
        base_url,
        "--exercise",
        server.exercise,
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={junit}",
        "--fresh-server",  # each corpus server is started for its run, as the grader does
        *extra,
    ]


def run_server(
    server: Server, extra: list[str], attempts: int = 3, workers: Workers | None = None
) -> Run:
    """Serve ``server`` on a free loopback port, run the suite at it, stop it, read the XML.

    ``workers``: run the suite in one of these warm workers (a cold subprocess without), and
    fork the server from their pre-imported interpreter (a fresh one without)."""
    run = Run(server, extra)
    start = popen if workers is None or FRESH_SERVERS else workers.servers().start
    with tempfile.TemporaryDirectory(prefix="corpus-") as scratch:
        work = Path(scratch)
        for attempt in range(attempts):
            log_path = work / f"server-{attempt}.log"
            app = AppSpec(server.path.parent, server.path.stem)
            with log_path.open("wb") as log:
                try:
                    with serve_process(
                        app,
                        cwd=work,
                        env=child_env(),
                        log=log,
                        startup_timeout=STARTUP_TIMEOUT,
                        start=start,
                    ) as served:
                        run.startup_seconds = served.startup_seconds
                        _run_suite(run, served.base_url, work, workers)
                except NotServing:
                    run.server_log = log_path.read_text(errors="replace")
                    if "address already in use" in run.server_log.lower():
                        continue  # another process took the port in between: retry
                    run.error = f"the server did not answer within {STARTUP_TIMEOUT:g} s"
                    return run
            run.server_log = log_path.read_text(errors="replace")
            return run
        run.error = f"no free port after {attempts} attempts"
        return run


def _run_suite(run: Run, base_url: str, work: Path, workers: Workers | None) -> None:
    junit = work / "junit.xml"
    command = suite_command(run.server, base_url, junit, run.args)
    started = time.monotonic()
    try:
        if workers is None or COLD:
            _run_cold(run, command, work)
        else:
            _run_warm(run, command[3:], work / "suite.log", workers)  # without python -m pytest
    finally:
        run.suite_seconds = time.monotonic() - started
    if junit.exists() and run.error is None:
        run.results = read_junit(junit)


def _run_cold(run: Run, command: list[str], work: Path) -> None:
    try:
        done = subprocess.run(
            command,
            cwd=work,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=SUITE_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        run.error = f"the suite did not finish within {SUITE_TIMEOUT:g} s"
        return
    run.returncode = done.returncode
    run.output = done.stdout + done.stderr


def _run_warm(run: Run, args: list[str], log: Path, workers: Workers) -> None:
    with workers.borrow() as worker:
        worker.submit(args, log, SUITE_TIMEOUT)
        reply = worker.result()
    run.output = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    if not reply["finished"]:
        run.error = f"the suite did not finish within {SUITE_TIMEOUT:g} s"
        return
    run.returncode = int(reply["code"])


def suite_help() -> str:
    """``pytest --help`` of the installed suite, run where no project config applies."""
    with tempfile.TemporaryDirectory(prefix="corpus-help-") as scratch:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
            cwd=scratch,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    return done.stdout
