"""Start a student's app with uvicorn in its own process group, and stop all of it.

The student's code runs only in that child process: never imported here. The child gets its
own folder as working directory, a free loopback port and a clean environment built from a
whitelist (no tokens, keys or other secrets of the grader), and its output goes to a log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PASSED_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
"""The only variables copied from the grader's environment (SYSTEMROOT: Windows needs it)."""


@dataclass(frozen=True)
class AppSpec:
    """Where a student's app lives: uvicorn's ``module:attr`` and the folder to run it in."""

    folder: Path
    module: str
    attr: str = "app"

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attr}"


def resolve(spec: str) -> AppSpec:
    """``path/to/app.py``, ``path/to/folder`` (holding app.py) or ``module:attr`` (cwd)."""
    path = Path(spec)
    if path.is_dir():
        path = path / "app.py"
        if not path.is_file():
            raise ValueError(f"{spec}: the folder holds no app.py")
    if path.suffix == ".py":
        if not path.is_file():
            raise ValueError(f"{spec}: no such file")
        return AppSpec(path.resolve().parent, path.stem)
    module, _, attr = spec.partition(":")
    if not module.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"{spec}: not a file, a folder or module:attr")
    return AppSpec(Path.cwd(), module, attr or "app")


def clean_env(home: Path) -> dict[str, str]:
    """A whitelisted environment: PATH and locale, a throwaway HOME, nothing else."""
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update(
        HOME=str(home),
        TMPDIR=str(home),
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        MPLCONFIGDIR=str(home / "matplotlib"),
    )
    return env


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class StartError(RuntimeError):
    """The app did not start serving; the message holds the end of its log."""


class StudentServer:
    """``with StudentServer(spec, log) as url:`` runs the app until the block ends."""

    def __init__(
        self, app: AppSpec, log: Path, *, startup_timeout: float = 30.0, host: str = "127.0.0.1"
    ) -> None:
        self.app = app
        self.log = log
        self.startup_timeout = startup_timeout
        self.host = host
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._home = tempfile.TemporaryDirectory(prefix="conformance-student-")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.app.target,
            "--app-dir",
            str(self.app.folder),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-access-log",
        ]

    def start(self) -> str:
        self.port = free_port(self.host)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.app.folder,
                env=clean_env(Path(self._home.name)),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()
        return self.url

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise StartError(
                        f"the server exited with code {self.process.returncode} before it "
                        f"answered.\n{self.log_tail()}"
                    )
                try:
                    client.get(f"{self.url}/openapi.json")
                    return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise StartError(
                        f"the server did not answer on {self.url} within "
                        f"{self.startup_timeout:g} s.\n{self.log_tail()}"
                    )
                time.sleep(0.1)

    def log_tail(self, limit: int = 4000) -> str:
        try:
            text = self.log.read_bytes().decode("utf-8", "replace")
        except OSError:
            text = ""
        if len(text) > limit:
            text = "...\n" + text[-limit:]
        return f"--- server log ({self.app.target} in {self.app.folder}) ---\n{text.rstrip()}"

    def stop(self) -> None:
        """Stop the server and everything it started: its whole process group."""
        process, self.process = self.process, None
        if process is not None:
            stop_group(process)
        self._home.cleanup()

    def __enter__(self) -> str:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _exited(pid: int) -> bool:
    """Whether the child has exited, without reaping it (its pid stays reserved)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def wait_unreaped(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait up to ``timeout`` s for the child to exit, leaving it unreaped; True if it did."""
    deadline = time.monotonic() + timeout
    while not _exited(process.pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_group(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the process group ``process`` leads, then SIGKILL whatever is left of it.

    The leader is reaped only at the end, so its pid (the group id) cannot be reused by an
    unrelated process while we still signal the group.
    """
    pgid = process.pid  # start_new_session=True: the child leads its own group
    if pgid != os.getpgrp():
        _signal_group(pgid, signal.SIGTERM)
        wait_unreaped(process, grace)
        _signal_group(pgid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.wait()
