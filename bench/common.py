"""Shared bench helpers: the apps, a server in a subprocess, medians, memory, table rows."""

from __future__ import annotations

import os
import socket
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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"

#: The apps compared: the project's reference apps and the lecture's verbatim code.
APPS: dict[str, dict[str, str]] = {
    "ex1": {"reference": "reference_app.ex1:app", "lecture": "tests/lecture/ex1_app.py"},
    "ex2": {"reference": "reference_app.ex2:app", "lecture": "tests/lecture/ex2_app.py"},
}


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


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
    port = free_port()
    argv = [PYTHON, "-m", "bench.server", spec, str(port), *(["--record"] if record else [])]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the lecture's code logs a traceback for each 500
    )
    try:
        base_url = f"http://{HOST}:{port}"
        _wait_until_up(process, base_url)
        yield Server(process, base_url, time.perf_counter() - started)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server {process.args!r} exited with {process.returncode}")
        try:
            httpx.get(f"{base_url}/openapi.json", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.005)
    raise RuntimeError(f"the server {process.args!r} did not answer within {timeout} s")


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
