"""(a) suite time per exercise, live and in-process; (b) its request rate vs a bare loop.

    python -m bench.suite [--runs 5] [--exercise ex1] [--profile default]

Live: the app runs in a uvicorn subprocess wrapped in the recording middleware; each run is
the wall time of ``pytest --pyargs conformance --base-url URL --exercise exN -q -p
no:cacheprovider`` (nothing subtracted); server start-up is timed apart. In-process: the same
command with ``--app`` instead of ``--base-url``. The bare loop replays the requests the
suite sent, in order, from one keep-alive ``httpx.Client`` against a fresh server.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.common import APPS, PYTHON, Row, markdown, median, served, wall
from bench.recorder import Recorded

PROFILES = ("default", "grading")


def pytest_argv(exercise: str, profile: str, *, base_url: str = "", app: str = "") -> list[str]:
    """The student's command line, against ``base_url`` or in-process with ``app``."""
    where = ["--base-url", base_url] if base_url else ["--app", app]
    return [
        *(PYTHON, "-m", "pytest", "--pyargs", "conformance", *where),
        *("--exercise", exercise, "-q", "-p", "no:cacheprovider"),
        # "default" is the suite's own default profile: the one used when none is named.
        *(("--hypothesis-profile", profile) if profile != "default" else ()),
    ]


SESSION = re.compile(r" in ([0-9.]+)s")


def session_seconds(outcome: str) -> float | None:
    """pytest's own test-session time, from its last line ("43 passed in 2.34s")."""
    found = SESSION.search(outcome)
    return float(found.group(1)) if found else None


def in_process_spec(spec: str) -> str:
    """``--app`` names an app, not a factory: ``reference_app.ex1:app`` for the bench's
    ``reference_app.ex1:create_app()`` (the module makes one at import)."""
    return spec.rsplit(":", 1)[0] + ":app" if spec.endswith("()") else spec


@dataclass
class LiveRuns:
    """The runs of the suite against one live server."""

    walls: list[float] = field(default_factory=list)
    sessions: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    spans: list[float] = field(default_factory=list)
    startup_s: float = 0.0
    outcome: str = ""
    log: list[Recorded] = field(default_factory=list)

    def server_rate(self) -> float:
        """Requests per second while the suite was talking to the server (median)."""
        return median([n / s for n, s in zip(self.requests, self.spans, strict=True) if s > 0])


def run_live(exercise: str, app: str, profile: str, runs: int) -> LiveRuns:
    result = LiveRuns()
    with served(APPS[exercise][app], record=True) as server:
        result.startup_s = server.startup_s
        for _ in range(runs):
            server.control("reset")
            seconds, result.outcome = wall(pytest_argv(exercise, profile, base_url=server.base_url))
            stats = server.control("stats")
            result.walls.append(seconds)
            session = session_seconds(result.outcome)
            if session is not None:
                result.sessions.append(session)
            result.requests.append(stats["count"])
            result.spans.append((stats["last"] or 0) - (stats["first"] or 0))
        result.log = [Recorded.from_json(r) for r in server.control("log")]
    return result


def run_in_process(exercise: str, app: str, profile: str, runs: int) -> tuple[list[float], str]:
    walls, outcome = [], ""
    spec = in_process_spec(APPS[exercise][app])
    for _ in range(runs):
        seconds, outcome = wall(pytest_argv(exercise, profile, app=spec))
        walls.append(seconds)
    return walls, outcome


def replay_rate(exercise: str, app: str, log: Sequence[Recorded], runs: int) -> float:
    """Requests per second of a bare keep-alive loop sending ``log`` (median of ``runs``)."""
    rates = []
    with (
        served(APPS[exercise][app], record=True) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        for _ in range(runs):
            started = time.perf_counter()
            for r in log:
                url = f"{r.path}?{r.query}" if r.query else r.path
                # e.g. a 413 answered before the body was read: the server hangs up.
                with contextlib.suppress(httpx.TransportError):
                    client.request(r.method, url, content=r.body, headers=r.headers).read()
            rates.append(len(log) / (time.perf_counter() - started))
    return median(rates)


def measure(
    runs: int, exercises: Sequence[str], profiles: Sequence[str], other_runs: int | None = None
) -> list[Row]:
    """``runs`` runs of the default profile live (the target); ``other_runs`` of the rest.

    The grading profile in-process is measured for the reference app only, to save time.
    """
    other = other_runs or runs
    rows: list[Row] = []
    for exercise in exercises:
        for app in ("reference", "lecture"):
            for profile in profiles:
                subject = f"{exercise} {app}, {profile}"
                n = runs if profile == "default" else other
                live = run_live(exercise, app, profile, n)
                rows += [
                    Row(
                        "suite wall, live server", subject, median(live.walls), "s", n, live.outcome
                    ),
                    Row("requests per suite run", subject, median(live.requests), "req", n),
                ]
                if live.sessions:
                    rows.append(
                        Row(
                            "test session, live server",
                            subject,
                            median(live.sessions),
                            "s",
                            len(live.sessions),
                            'pytest\'s own "in N s"',
                        )
                    )
                rows += [
                    Row(
                        "server start-up", subject, live.startup_s, "s", 1, "spawn to first answer"
                    ),
                ]
                if profile == "default" or app == "reference":
                    walls, note = run_in_process(exercise, app, profile, other)
                    rows.append(
                        Row(
                            "suite wall, in-process --app", subject, median(walls), "s", other, note
                        )
                    )
                if profile != "default":
                    continue
                bare = replay_rate(exercise, app, live.log, n)
                rows += [
                    Row(
                        "suite rate at the server",
                        subject,
                        live.server_rate(),
                        "req/s",
                        n,
                        "requests / (last answer - first request)",
                    ),
                    Row(
                        "bare keep-alive loop rate",
                        subject,
                        bare,
                        "req/s",
                        n,
                        "same requests, replayed",
                    ),
                    Row("suite rate / bare rate", subject, live.server_rate() / bare, "", n),
                ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--other-runs", type=int, default=3, help="runs of the other figures")
    parser.add_argument("--exercise", action="append", choices=sorted(APPS))
    parser.add_argument("--profile", action="append", choices=PROFILES)
    args = parser.parse_args()
    exercises, profiles = args.exercise or sorted(APPS), args.profile or PROFILES
    print(markdown(measure(args.runs, exercises, profiles, args.other_runs)))


if __name__ == "__main__":
    main()
