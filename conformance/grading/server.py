"""Start a student's app with uvicorn in a sandbox, and stop all of it.

The student's code runs only in that child process: never imported here. The child runs in
the sandbox of :mod:`conformance.grading.sandbox` (namespaces, own uid, private read-only
copy, limits: as far as the OS allows), with a clean environment built from a whitelist (no
tokens, keys or other secrets of the grader); its output goes to a capped log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from conformance.appspec import AppSpec, resolve
from conformance.grading.capped import CappedLog, read_tail
from conformance.grading.forward import Forwarder
from conformance.grading.limits import Limits, launcher
from conformance.grading.sandbox import (
    INSIDE_APP,
    INSIDE_RUN,
    Protections,
    bwrap_command,
    inner_pid,
)
from conformance.grading.stage import SOCKET_NAME, Stage
from conformance.grading.uids import kill_uid
from conformance.live import free_port

__all__ = ["AppSpec", "StartError", "StudentServer", "resolve"]

PASSED_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
"""The only variables copied from the grader's environment (SYSTEMROOT: Windows needs it)."""


def clean_env(home: Path, tmp: Path | None = None) -> dict[str, str]:
    """A whitelisted environment: PATH and locale, a throwaway HOME, nothing else."""
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update(
        HOME=str(home),
        TMPDIR=str(tmp or home),
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="Agg",
        MPLCONFIGDIR=str(home / "matplotlib"),
        OPENBLAS_NUM_THREADS="1",  # numpy's threads, bounded whatever the machine's cores
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


class StartError(RuntimeError):
    """The app did not start serving; the message holds the end of its log."""


PROBE = b"GET /openapi.json HTTP/1.1\r\nHost: student\r\nConnection: close\r\n\r\n"


class StudentServer:
    """``with StudentServer(spec, log) as url:`` runs the app, sandboxed, until the block ends.

    ``uid``: the job slot's own uid (used when the grader is root). The server listens on a
    Unix socket in the sandbox; ``url`` is a loopback port of this process forwarding to it.
    """

    def __init__(
        self,
        app: AppSpec,
        log: Path,
        *,
        startup_timeout: float = 30.0,
        protections: Protections | None = None,
        limits: Limits | None = None,
        uid: int | None = None,
    ) -> None:
        self.app = app
        self.log = log
        self.startup_timeout = startup_timeout
        self.protections = protections or Protections.detect()
        self.limits = limits or Limits()
        self.uid = uid if self.protections.root else None
        self.host = "127.0.0.1"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.stage: Stage | None = None
        self.output: CappedLog | None = None
        self.forwarder: Forwarder | None = None
        self._run_fd: int | None = None  # the sandbox's socket folder, once it answered

    @property
    def url(self) -> str:
        return self.forwarder.url if self.forwarder else f"http://{self.host}:{self.port}"

    def command(self, stage: Stage) -> tuple[list[str], dict[str, str]]:
        """The server's command line and environment, sandboxed as far as the OS allows."""
        boxed = self.protections.bwrap is not None
        folder = INSIDE_APP if boxed else str(stage.app)
        tmp = Path("/tmp") if boxed else stage.tmp
        where = ["--host", self.host, "--port", str(self.port)]
        if self.protections.unix_sockets:
            where = ["--uds", f"{INSIDE_RUN}/{SOCKET_NAME}" if boxed else str(stage.socket)]
        uvicorn = [sys.executable, "-m", "uvicorn", self.app.target, "--app-dir", folder]
        # RLIMIT_NPROC counts every process of the uid: only a slot's own uid can take it
        limits = self.limits if self.uid is not None else replace(self.limits, processes=0)
        inner = launcher(
            limits,
            self.uid,
            [*uvicorn, *where, "--no-access-log"],
            tmpfs=INSIDE_RUN if self.in_memory else None,
        )
        env = clean_env(tmp / "home", tmp)
        if self.protections.bwrap is None:
            return inner, env
        return bwrap_command(self.protections.bwrap, stage, inner, tmpfs=self.in_memory), env

    @property
    def in_memory(self) -> bool:
        """The full sandbox (root, bubblewrap, a socket): /tmp and the socket folder are sized
        tmpfs mounts, so nothing the server writes reaches the grader's disk."""
        return (
            self.protections.tmpfs
            and self.protections.bwrap is not None
            and self.uid is not None
            and self.protections.unix_sockets
            and self.limits.tmp_mib > 0
        )

    def socket_path(self) -> Path | None:
        """The server's socket as this process reaches it (None while it cannot yet).

        In memory, that is through ``/proc/PID/root`` of the sandbox's init while it starts;
        once it answered, through a folder descriptor held open (:meth:`_pin`), which keeps
        meaning this sandbox even if its init dies and another process gets its pid."""
        assert self.stage is not None and self.process is not None
        if not self.in_memory:
            return self.stage.socket
        if self._run_fd is not None:
            return Path(f"/proc/self/fd/{self._run_fd}/{SOCKET_NAME}")
        inner = inner_pid(self.process.pid)
        return None if inner is None else Path(f"/proc/{inner}/root{INSIDE_RUN}/{SOCKET_NAME}")

    def _pin(self) -> None:
        """Hold the socket's folder open, checking that it is still this sandbox's."""
        assert self.process is not None
        path = self.socket_path()
        if not self.in_memory or self._run_fd is not None or path is None:
            return
        ended = StartError("the server's sandbox ended while it was starting")
        try:
            fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
        except OSError:
            raise ended from None
        inner = int(path.parts[2])  # /proc/<inner>/root/...
        if inner_pid(self.process.pid) != inner:
            os.close(fd)
            raise ended
        self._run_fd = fd

    def start(self) -> str:
        try:
            only = f"{self.app.module}.py" if self.app.alone else None
            self.stage = Stage(self.app.folder, self.uid, only=only)
        except (OSError, ValueError) as error:
            raise StartError(f"the submission could not be copied: {error}") from None
        if not self.protections.unix_sockets:
            self.port = free_port(self.host)
        command, env = self.command(self.stage)
        self.output = CappedLog(self.log)
        try:
            self.process = subprocess.Popen(
                command,
                cwd=self.stage.app,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self.output.fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            self.output.close_writer()
        self._wait_until_ready()
        if self.protections.unix_sockets:
            self._pin()
            path = self.socket_path()
            assert path is not None  # it answered there
            self.forwarder = Forwarder(path, self.host)
        return self.url

    def _wait_until_ready(self) -> None:
        """Until an HTTP status line comes back: a total deadline, a few bytes, no redirects."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise StartError(
                    f"the server exited with code {self.process.returncode} before it "
                    f"answered.\n{self.log_tail()}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StartError(
                    f"the server did not answer within {self.startup_timeout:g} s.\n"
                    f"{self.log_tail()}"
                )
            if self._answers(min(remaining, 2.0)):
                return
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))

    def _answers(self, timeout: float) -> bool:
        """One probe: does ``GET /openapi.json`` get an HTTP status line within ``timeout``?"""
        ends = time.monotonic() + timeout
        if self.protections.unix_sockets:
            path = self.socket_path()
            if path is None:
                return False
            family, address = socket.AF_UNIX, str(path)
        else:
            family, address = socket.AF_INET, (self.host, self.port)  # type: ignore[assignment]
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.settimeout(timeout)
                probe.connect(address)
                probe.sendall(PROBE)
                data = b""
                while len(data) < 5 and (left := ends - time.monotonic()) > 0:
                    probe.settimeout(left)
                    chunk = probe.recv(5 - len(data))
                    if not chunk:
                        break
                    data += chunk
        except OSError:
            return False
        return data.startswith(b"HTTP/")

    def log_tail(self, limit: int = 4000) -> str:
        text = self.output.text(limit) if self.output else read_tail(self.log, limit)
        return f"--- server log ({self.app.target}) ---\n{text.rstrip()}"

    def stop(self) -> None:
        """Stop the server and everything it started: its namespace, its group, its uid."""
        process, self.process = self.process, None
        if process is not None:
            stop_group(process)
        if self.uid is not None:
            kill_uid(self.uid)
        if self.forwarder is not None:
            self.forwarder.close()
        if self._run_fd is not None:
            os.close(self._run_fd)
            self._run_fd = None
        if self.output is not None:
            self.output.finish()
        if self.stage is not None:
            self.stage.cleanup()
            self.stage = None

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
