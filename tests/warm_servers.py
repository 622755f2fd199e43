"""Corpus servers started from a pre-imported interpreter: uvicorn and the lecture's stack
imported once, a fork per server.

An ex2 server spends most of its start-up importing scikit-learn and matplotlib (~2 CPU s;
3.9 s a server in a loaded full run, 37 % of the corpus' server time). ``WarmServers`` starts
one interpreter (``python -c`` of this file, the servers' environment) that imports them and
waits; each ``start`` forks it into a new session that runs exactly ``python -m uvicorn ARGS``
(uvicorn's own command line) in the given folder, its output to the given log. The student's
module is imported only in the fork, so every server still starts fresh; the fork reseeds
``random`` and numpy's global generator, as a fresh interpreter would have.

For the project's tests only: the grader starts every student's server as a fresh interpreter
in its sandbox (one interpreter shared by students would let one reach the next).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

PRELOAD = (
    "uvicorn.main",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "fastapi",
    "fastapi.responses",
    "pydantic",
    "numpy",
    "sklearn.linear_model",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib.figure",
)
"""What the corpus servers import (``grep import tests/corpus``), and what uvicorn loads."""

MESSAGE = 1 << 16
TIMEOUT = 120.0
"""Seconds to wait for the interpreter's answer (its imports at start: ~3 s; a fork: ms)."""
PR_SET_PDEATHSIG = 1


class ServerProcess:
    """A forked server, as much of ``subprocess.Popen`` as ``conformance.live`` uses."""

    def __init__(self, owner: WarmServers, pid: int, args: Sequence[str]) -> None:
        self._owner = owner
        self.pid = pid
        self.args = list(args)
        self.returncode: int | None = None
        self._exited = os.pidfd_open(pid)  # readable once it exits (it stays unreaped till then)

    def poll(self) -> int | None:
        return self._reap() if self._has_exited(0.0) else None

    def wait(self, timeout: float | None = None) -> int:
        if not self._has_exited(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        return self._reap()

    def _has_exited(self, timeout: float | None) -> bool:
        if self.returncode is not None:
            return True
        readable, _, _ = select.select([self._exited], [], [], timeout)
        return bool(readable)

    def _reap(self) -> int:
        if self.returncode is None:
            self.returncode = int(self._owner.ask({"reap": self.pid})["code"])
            os.close(self._exited)
        return self.returncode


class WarmServers:
    """One pre-imported interpreter, forked per server; ``close`` ends it."""

    def __init__(self, env: Mapping[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.env = dict(env)
        self._lock = threading.Lock()
        self._control = ours
        source = Path(__file__).read_text(encoding="utf-8")
        self._process = subprocess.Popen(
            [sys.executable, "-c", source, str(theirs.fileno()), str(os.getpid())],
            env=self.env,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._control.settimeout(TIMEOUT)  # every answer is bounded: a stuck interpreter fails
        ready = self._control.recv(MESSAGE)
        if json.loads(ready or b"{}").get("ready") is not True:
            raise RuntimeError(f"the pre-imported interpreter did not start: {ready!r}")

    def ask(self, message: dict[str, Any], log: int | None = None) -> dict[str, Any]:
        """One request and its answer (the threads that grade servers take turns)."""
        with self._lock:
            fds = [log] if log is not None else []
            socket.send_fds(self._control, [json.dumps(message).encode()], fds)
            answer: dict[str, Any] = json.loads(self._control.recv(MESSAGE))
        if "error" in answer:
            raise OSError(f"the pre-imported interpreter: {answer['error']}")
        return answer

    def start(
        self,
        command: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        log: IO[bytes] | None = None,
    ) -> ServerProcess:
        """``command`` is ``python -m uvicorn ARGS`` (``conformance.live.uvicorn_command``);
        ``env`` replaces the fork's ``os.environ`` (what the libraries read while they were
        imported came from the interpreter's: ``WarmServers(env)``)."""
        if list(command[:3]) != [sys.executable, "-m", "uvicorn"]:
            raise ValueError(f"only `python -m uvicorn` is pre-imported here, not {command!r}")
        with open(os.devnull, "wb") as null:
            out = (log or null).fileno()
            message = {
                "start": list(command[3:]),
                "cwd": str(cwd or Path.cwd()),
                "env": dict(self.env if env is None else env),
            }
            pid = int(self.ask(message, out)["pid"])
        return ServerProcess(self, pid, command)

    def close(self) -> None:
        self._control.close()  # the interpreter ends when its socket does
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# --- the pre-imported interpreter (run as ``python -c <this file> FD PARENT``) ---


def interpreter_main(fd: int, parent: int) -> None:
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    control = socket.socket(fileno=fd)
    control.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, MESSAGE, 1)
        if not message:
            return
        job = json.loads(message)
        try:
            if "start" in job:
                answer = {"pid": _fork(job, fds[0], control)}
            else:
                _, status = os.waitpid(int(job["reap"]), 0)
                answer = {"code": os.waitstatus_to_exitcode(status)}
        except OSError as error:
            answer = {"error": str(error)}
        finally:
            for descriptor in fds:
                os.close(descriptor)
        control.send(json.dumps(answer).encode())


def _fork(job: dict[str, Any], log: int, control: socket.socket) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the server: never returns
        os.setsid()
        control.close()
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        _reseed()
        sys.argv = ["uvicorn", *job["start"]]
        from uvicorn.main import main

        main.main(args=job["start"], prog_name="uvicorn")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reseed() -> None:
    """A fresh interpreter's randomness: the fork inherited the interpreter's generators."""
    import random

    import numpy

    random.seed()
    numpy.random.seed()


if __name__ == "__main__":
    interpreter_main(int(sys.argv[1]), int(sys.argv[2]))
