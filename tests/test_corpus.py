"""The suite against the corpus: it must fail every broken server and pass every correct one.

Each corpus server is served by uvicorn in a subprocess and graded by the installed suite in
another process (a warm worker's fork, as ``conformance grade`` runs it; ``CORPUS_COLD=1``: a
fresh ``python -m pytest``), with a teacher's command line. Servers run two at a time (across
servers, never across one server's tests); each test waits only for its own server. The
terminal summary shows the counts per category and the wall time, and writes them to
``corpus-summary.json`` in pytest's base temporary directory (or ``$CORPUS_SUMMARY``).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus_summary
import pytest
from corpus_runner import (
    CATEGORIES,
    REPO,
    Run,
    Server,
    TestResult,
    Workers,
    discover,
    run_server,
    suite_help,
)

from conformance.grading import rubric

SERVERS = discover()

WORKERS = int(os.environ.get("CORPUS_WORKERS", "2"))
"""Servers graded at once. Each needs a server process and a pytest process."""

SUITE_GAPS: dict[str, str] = {}
"""Broken servers the suite does not catch yet (server id -> reason): strict xfails, so a
fixed gap turns the run red until its entry is removed."""

FULL = os.environ.get("CORPUS_FULL", "") not in ("", "0")
"""By default a broken server meets only its caught-by tests (``-k``), which is what is
asserted and is several times faster; ``CORPUS_FULL=1`` runs the whole tier at every server
(the summary then lists every test that failed). Correct servers always meet the whole tier."""

TIER_ARGS = {"documented": [], "property": [], "robust": ["--robust"]}
"""Extra suite options per tier: the property tests run in the default (documented) run;
correct servers are graded by the default run only."""


def _param(server: Server) -> Any:
    marks = []
    if server.id in SUITE_GAPS:
        marks.append(pytest.mark.xfail(strict=True, reason=f"suite gap: {SUITE_GAPS[server.id]}"))
    return pytest.param(server, id=server.id, marks=marks)


PROFILE = ["--hypothesis-profile", "grading"]
"""The teacher's hypothesis profile: derandomised, so every run of the corpus is the same."""


def _args(server: Server) -> list[str]:
    if not server.broken:
        return PROFILE
    focus = [] if FULL else ["-k", " or ".join(server.caught_by)]
    return [*PROFILE, *TIER_ARGS[server.tier], *focus]


@dataclass
class Outcome:
    """``ok``, ``fail`` or ``skip``, with the message a failure or skip shows."""

    status: str
    message: str = ""


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _listing(results: list[TestResult], limit: int = 12) -> str:
    shown = [f"  - {r.name}: {_first_line(r.message)}" for r in results[:limit]]
    if len(results) > limit:
        shown.append(f"  ... and {len(results) - limit} more")
    return "\n".join(shown) if shown else "  (none)"


def _first_line(message: str) -> str:
    """The request and where the answer differs, from a failure's message."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    differs = next((line for line in lines if line.startswith(("differs", "got"))), "")
    return f"{lines[0]}  {differs}"[:240]


def judge(run: Run, robust_supported: bool) -> Outcome:
    """Did the suite give ``run.server`` the verdict its header expects?"""
    server = run.server
    where = f"server {server.id} ({server.path.relative_to(REPO)})"
    if "--robust" in run.args and not robust_supported:
        return Outcome("skip", f"{where}: the suite has no --robust option yet")
    if run.error:
        return Outcome("fail", f"{where}: {run.error}\nserver log:\n{_tail(run.server_log)}")
    if run.returncode not in (0, 1) or not run.results:
        return Outcome(
            "fail",
            f"{where}: the suite exited with {run.returncode} and reported "
            f"{len(run.results)} tests\nsuite output:\n{_tail(run.output)}",
        )
    failed = run.failed
    if not server.broken:
        if run.returncode == 0 and not failed:
            return Outcome("ok")
        details = "\n\n".join(f"{r.name}:\n{r.message.strip()[:1500]}" for r in failed)
        return Outcome(
            "fail",
            f"{where} is correct ({server.style})\nexpected: every test passes (exit 0)\n"
            f"got: exit {run.returncode}, {len(failed)} failed:\n{_listing(failed)}\n\n{details}",
        )
    unknown = [w for w in server.caught_by if not any(r.matches(w) for r in run.results)]
    if len(unknown) == len(server.caught_by) and server.tier != "documented":
        return Outcome("skip", f"{where}: the suite has no {' or '.join(unknown)} yet")
    caught = [r for r in failed if any(r.matches(w) for w in server.caught_by)]
    expected = f"expected: at least one of {', '.join(server.caught_by)} fails"
    if unknown:
        return Outcome(
            "fail",
            f"{where}: caught-by names no test the suite ran: {', '.join(unknown)}\n"
            f"{expected}\ngot these failures:\n{_listing(failed)}",
        )
    if caught and run.returncode == 1:
        return Outcome("ok")
    got = "the suite passed it" if not failed else f"other tests failed:\n{_listing(failed)}"
    return Outcome(
        "fail",
        f"{where} is broken and was NOT caught\nmistake: {server.mistake}\n{expected}\n"
        f"got: exit {run.returncode}, {got}",
    )


@dataclass(repr=False)
class Corpus:
    """The corpus servers wanted by this session, graded in a thread pool."""

    servers: list[Server]
    robust_supported: bool
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(WORKERS))
    workers: Workers = field(default_factory=Workers)
    futures: dict[str, Future[Run]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def start(self) -> None:
        for server in self.servers:
            self.futures[server.id] = self.pool.submit(
                run_server, server, _args(server), workers=self.workers
            )

    def result(self, server: Server) -> Run:
        run = self.futures[server.id].result()
        if all(f.done() for f in self.futures.values()) and self.finished is None:
            self.finished = time.monotonic()
        return run

    def summary(self) -> dict[str, Any]:
        runs = [f.result() for f in self.futures.values() if f.done() and not f.cancelled()]
        outcomes = [(run, judge(run, self.robust_supported)) for run in runs]
        by_category: dict[str, Counter[str]] = {}
        for run, outcome in outcomes:
            key = run.server.category
            counts = by_category.setdefault(key, Counter())
            counts["servers"] += 1
            counts[outcome.status] += 1
            counts[f"{run.server.tier}"] += 1
        end = self.finished or time.monotonic()
        return {
            "servers": len(runs),
            "broken": sum(run.server.broken for run in runs),
            "broken_caught": sum(r.server.broken and o.status == "ok" for r, o in outcomes),
            "correct": sum(not run.server.broken for run in runs),
            "correct_passed": sum(not r.server.broken and o.status == "ok" for r, o in outcomes),
            "skipped": sum(o.status == "skip" for _, o in outcomes),
            "workers": WORKERS,
            "wall_seconds": round(end - self.started, 1),
            "server_seconds": round(sum(run.seconds for run in runs), 1),
            "categories": {k: dict(v) for k, v in sorted(by_category.items())},
            "runs": {
                run.server.id: {
                    "verdict": run.server.verdict,
                    "category": run.server.category,
                    "tier": run.server.tier,
                    "outcome": outcome.status,
                    "startup_seconds": round(run.startup_seconds, 2),
                    "suite_seconds": round(run.suite_seconds, 2),
                    "failed_tests": [r.name for r in run.failed],
                }
                for run, outcome in outcomes
            },
        }


class SummaryReporter:
    """Registered for the session: writes the JSON summary, and hands it to the terminal
    summary (``tests/conftest.py``): in this process, or from a pytest-xdist worker to the
    controller, which prints it."""

    def __init__(self, corpus: Corpus, path: Path) -> None:
        self.corpus = corpus
        self.path = path

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        data = self.corpus.summary()
        if not data["servers"]:
            return
        self.path.write_text(json.dumps(data, indent=2) + "\n")
        data["path"] = str(self.path)
        corpus_summary.hand_over(session.config, data)


@pytest.fixture(scope="session")
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Corpus]:
    """Start grading every corpus server this session selected, two at a time."""
    wanted = {
        item.callspec.params["server"].id: item.callspec.params["server"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_server"
        and hasattr(item, "callspec")
    }
    needs_robust = any("--robust" in _args(s) for s in wanted.values())
    robust_supported = needs_robust and "--robust" in suite_help()
    servers = [s for s in wanted.values() if robust_supported or "--robust" not in _args(s)]
    corpus = Corpus(servers, robust_supported)
    corpus.start()
    summary = Path(os.environ.get("CORPUS_SUMMARY") or tmp_path_factory.getbasetemp())
    if summary.is_dir():
        summary = summary / "corpus-summary.json"
    reporter = SummaryReporter(corpus, summary)
    request.config.pluginmanager.register(reporter, "corpus-summary")
    try:
        yield corpus
    finally:
        corpus.pool.shutdown(wait=True, cancel_futures=True)
        corpus.workers.close()


@pytest.mark.parametrize("server", [_param(s) for s in SERVERS])
def test_server(corpus: Corpus, server: Server) -> None:
    """A broken server fails one of its caught-by tests; a correct one passes every test."""
    if server.id not in corpus.futures:
        pytest.skip(f"server {server.id}: the suite has no --robust option yet")
    outcome = judge(corpus.result(server), corpus.robust_supported)
    if outcome.status == "skip":
        pytest.skip(outcome.message)
    assert outcome.status == "ok", outcome.message


@pytest.mark.parametrize(
    "server", [pytest.param(s, id=s.id) for s in SERVERS if s.verbatim_of is not None]
)
def test_verbatim_copy_matches_lecture(server: Server) -> None:
    """A corpus copy of the lecture's code is the lecture's code, after its header."""
    assert server.verbatim_of is not None
    source = (REPO / server.verbatim_of).read_text(encoding="utf-8")
    assert server.body == source, f"{server.path} differs from {server.verbatim_of}"


def test_corpus_covers_both_exercises_and_every_category() -> None:
    """At least 40 broken and 6 correct servers; both exercises; no unused category."""
    broken = [s for s in SERVERS if s.broken]
    correct = [s for s in SERVERS if not s.broken]
    assert len(broken) >= 40, f"expected at least 40 broken servers, got {len(broken)}"
    assert len(correct) >= 6, f"expected at least 6 correct servers, got {len(correct)}"
    for exercise in ("ex1", "ex2"):
        assert any(s.exercise == exercise and s.broken for s in SERVERS), exercise
        assert any(s.exercise == exercise and not s.broken for s in SERVERS), exercise
    unused = set(CATEGORIES) - {s.category for s in SERVERS}
    assert not unused, f"categories with no server: {sorted(unused)}"
    ids = [s.id for s in SERVERS]
    assert len(ids) == len(set(ids))


def test_every_broken_server_names_groups_of_the_rubric() -> None:
    """A broken server's `groups:` are ids of its exercise's groups in the tier it is for."""
    loaded = rubric.load()
    for server in SERVERS:
        if not server.broken:
            continue
        tier = "robust" if server.tier == "robust" else "documented"
        known = {g.id for g in loaded.groups_of(server.exercise, tier)}
        unknown = set(server.groups) - known
        assert not unknown, (
            f"{server.id}: no {tier} group {sorted(unknown)} (known: {sorted(known)})"
        )
