"""Start a student's app with uvicorn in a sandbox, and stop all of it.

The student's code runs only in that child process: never imported here. The child runs in
the sandbox of :mod:`conformance.grader.sandbox.sandbox` (namespaces, own uid, private read-only
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
from conformance.grader.sandbox.box import INSIDE_APP, Boxed
from conformance.grader.sandbox.capped import CappedLog, read_tail
from conformance.grader.sandbox.cgroup import SlotGroup
from conformance.grader.sandbox.forward import Forwarder, Listener
from conformance.grader.sandbox.limits import Limits, launcher
from conformance.grader.sandbox.probe import Probe
from conformance.grader.sandbox.sandbox import Protections
from conformance.grader.sandbox.stage import Stage
from conformance.grader.sandbox.uids import kill_uid
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


JOIN = (
    'while [ "$1" != -- ]; do echo $$ > "$1" || '
    '{ echo "conformance: could not join the job slot cgroup" >&2; exit 125; }; shift; done; '
    'shift; exec "$@"'
)
"""``sh -c JOIN sh PROCS... -- COMMAND...``: join each cgroup, then become the command (its
every process is then in the cgroups from the start)."""


class StudentServer:
    """``with StudentServer(spec, log) as url:`` runs the app, sandboxed, until the block ends.

    ``uid``: the job slot's own uid (used when the grader is root). The server accepts on a
    Unix socket this process made and passed it by descriptor (:class:`Listener`); ``url`` is
    a loopback port of this process forwarding to it.
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
        self.listener: Listener | None = None
        self.forwarder: Forwarder | None = None
        self.group: SlotGroup | None = None

    @property
    def url(self) -> str:
        return self.forwarder.url if self.forwarder else f"http://{self.host}:{self.port}"

    def command(self, stage: Stage, fd: int | None = None) -> tuple[Boxed, dict[str, str]]:
        """The server's command line (and the descriptors it reads) and environment,
        sandboxed as far as the OS allows.

        ``fd``: the listening socket the server inherits (else it listens on :attr:`port`)."""
        where = ["--fd", str(fd)] if fd is not None else ["--host", self.host]
        if fd is None:
            where += ["--port", str(self.port)]
        # RLIMIT_NPROC counts every process of the uid: only a slot's own uid can take it
        limits = self.limits if self.uid is not None else replace(self.limits, processes=0)
        keep = () if fd is None else (fd,)
        confine = self.protections.seccomp
        if self.protections.bwrap is None:
            served = [sys.executable, "-m", "uvicorn", self.app.target, "--app-dir"]
            served += [str(stage.app), *where, "--no-access-log"]
            inner = launcher(limits, self.uid, served, confine=confine, keep_fds=keep)
            return Boxed(inner), clean_env(stage.tmp / "home", stage.tmp)
        box = self.protections.box(tmpfs=self.in_memory)
        served = [box.python, "-m", "uvicorn", self.app.target, "--app-dir", INSIDE_APP]
        inner = launcher(
            limits,
            self.uid,
            [*served, *where, "--no-access-log"],
            size_tmp=self.in_memory,
            confine=confine,
            python=box.launcher_python,
            keep_fds=keep,
            extra=box.settings(),
        )
        env = box.environment(clean_env(Path("/tmp/home"), Path("/tmp")))
        return box.command(stage, inner), env

    def _in_cgroup(self, command: list[str]) -> list[str]:
        """``command`` run in a fresh cgroup of the job slot (root, where the OS has one)."""
        if self.protections.cgroups is None or self.uid is None:
            return command
        limits = self.limits
        try:
            self.group = SlotGroup(
                self.protections.cgroups,
                self.uid,
                limits.memory_mib,
                limits.processes,
                limits.cores,
            )
        except OSError as error:
            raise StartError(f"the job slot's cgroup could not be made: {error}") from None
        return ["/bin/sh", "-c", JOIN, "sh", *map(str, self.group.join_files()), "--", *command]

    @property
    def in_memory(self) -> bool:
        """The full sandbox (root and bubblewrap): /tmp is a sized tmpfs, so nothing the
        server writes reaches the grader's disk."""
        return (
            self.protections.tmpfs
            and self.protections.bwrap is not None
            and self.uid is not None
            and self.limits.tmp_mib > 0
        )

    def start(self) -> str:
        try:
            only = f"{self.app.module}.py" if self.app.alone else None
            self.stage = Stage(self.app.folder, self.uid, only=only)
        except (OSError, ValueError) as error:
            raise StartError(f"the submission could not be copied: {error}") from None
        if self.protections.unix_sockets:
            listening = self.uid if self.uid is not None else os.getuid()
            self.listener = Listener(self.stage.run, listening)
        else:
            self.port = free_port(self.host)
        fd = self.listener.fd if self.listener else None
        boxed, env = self.command(self.stage, fd)
        self.output = CappedLog(self.log)
        try:
            self.process = subprocess.Popen(
                self._in_cgroup(boxed.argv),
                cwd=self.stage.app,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self.output.fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=[*boxed.fds, *([] if fd is None else [fd])],
            )
        finally:
            self.output.close_writer()
            boxed.close()
            if self.listener:
                self.listener.release()  # the server holds the socket now
        self._wait_until_ready()
        if self.listener:
            self.forwarder = Forwarder(self.listener.connect, self.host)
        return self.url

    def _wait_until_ready(self) -> None:
        """Until an HTTP status line comes back (:mod:`.probe`), within the start-up time."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        probe = Probe(self._connect)
        try:
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
                if probe.answered(min(remaining, 0.2)):
                    return
        finally:
            probe.close()

    def _connect(self, timeout: float) -> socket.socket:
        if self.listener:
            return self.listener.connect(timeout)
        return socket.create_connection((self.host, self.port), timeout)

    def log_tail(self, limit: int = 4000) -> str:
        text = self.output.text(limit) if self.output else read_tail(self.log, limit)
        return f"--- server log ({self.app.target}) ---\n{text.rstrip()}"

    def stop(self) -> None:
        """Stop the server and everything it started: its namespace, its group, its uid."""
        process, self.process = self.process, None
        if process is not None:
            stop_group(process)
        if self.group is not None:
            self.group.remove()  # every process in it, whatever its uid or session
            self.group = None
        if self.uid is not None:
            kill_uid(self.uid)
        if self.forwarder is not None:
            self.forwarder.close()
        if self.listener is not None:
            self.listener.close()
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
