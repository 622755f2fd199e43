"""Shared bench helpers: the apps, a server in a subprocess, medians, memory, table rows."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from conformance import registry
from conformance.live import serve_process

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"

#: The apps compared, per registered exercise: the project's reference app (its factory,
#: ``module:create_app()``) and the lecture's verbatim code.
APPS: dict[str, dict[str, str]] = {
    exercise.name: {
        "reference": f"{exercise.app}()",
        "lecture": f"tests/lecture/{exercise.name}_app.py",
    }
    for exercise in registry.exercises()
}


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class Server:
    """A uvicorn server in a subprocess, started by :func:`served`."""

    process: subprocess.Popen[bytes]
    base_url: str
    startup_s: float

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def control(self, what: str) -> Any:
        """A ``/__bench__/`` control path (the server must run with ``record=True``)."""
        return httpx.get(f"{self.base_url}/__bench__/{what}", timeout=30).json()


@contextmanager
def served(
    spec: str, *, record: bool = False, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Serve ``spec`` (see ``bench/server.py``) on a free loopback port; stop it on exit.

    ``startup_s`` is the time from spawning the process to its first HTTP response.
    """
    argv = [PYTHON, "-m", "bench.server", spec, "{port}", *(["--record"] if record else [])]
    # No log: the lecture's code logs a traceback for each 500.
    with serve_process(argv, cwd=ROOT, env={**os.environ, **(env or {})}) as server:
        yield Server(server.process, server.base_url, server.startup_seconds)


def wall(argv: Sequence[str], *, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run ``argv`` in the project root; its wall time in seconds and its last output line."""
    started = time.perf_counter()
    done = subprocess.run(
        list(argv),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    lines = (done.stdout + done.stderr).strip().splitlines()
    return elapsed, lines[-1] if lines else f"exit {done.returncode}"


def repeat(runs: int, measure: Callable[[], float]) -> list[float]:
    return [measure() for _ in range(runs)]


@dataclass
class Row:
    """One line of the bench table."""

    what: str
    subject: str
    value: float
    unit: str
    runs: int
    note: str = ""

    def cells(self) -> list[str]:
        digits = 0 if abs(self.value) >= 100 else 2 if abs(self.value) >= 1 else 3
        return [self.what, self.subject, f"{self.value:.{digits}f} {self.unit}", str(self.runs)]


@dataclass
class Target:
    """A target of issue 7 and whether it was met."""

    name: str
    met: bool
    detail: str


def markdown(rows: Sequence[Row]) -> str:
    """The rows as one markdown table."""
    lines = ["| measure | subject | median | runs | note |", "|---|---|---:|---:|---|"]
    lines += ["| " + " | ".join([*row.cells(), row.note]) + " |" for row in rows]
    return "\n".join(lines)


def report_targets(targets: Sequence[Target]) -> str:
    return "\n".join(f"- {'MET    ' if t.met else 'NOT MET'} {t.name}: {t.detail}" for t in targets)
