"""Serve an app for real over loopback: in a thread of this process, or in a subprocess.

One free-port helper and one server-in-a-subprocess helper, shared by the suite (the embedded
reference apps), the project's tests and the bench. (The grader starts students' servers in
its sandbox: :mod:`conformance.grader.sandbox.server`.)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import httpx
import uvicorn

from conformance.appspec import AppSpec

HOST = "127.0.0.1"


def free_socket(host: str = HOST) -> socket.socket:
    """A listening-ready TCP socket bound to a free port on ``host``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: Any, *, host: str = HOST, startup_timeout: float = 30.0) -> Iterator[str]:
    """Run ``app`` under uvicorn in a daemon thread; yield its base URL; stop it on exit.

    ``app`` is an ASGI app object or an import string such as ``"reference_app.ex1:app"``.
    """
    sock = free_socket(host)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"uvicorn did not start serving {app!r} on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class NotServing(RuntimeError):
    """The subprocess exited, or did not answer, before it served."""


class Process(Protocol):
    """What :func:`serve_process` needs of a started server: ``subprocess.Popen``'s part."""

    pid: int
    args: Any
    returncode: int | Any

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class Start(Protocol):
    """How a server's command line is started (default :func:`popen`)."""

    def __call__(
        self,
        command: Sequence[str],
        *,
        cwd: Path | None,
        env: Mapping[str, str] | None,
        log: IO[bytes] | None,
    ) -> Process: ...


def popen(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """``command`` in a subprocess of its own process group, output to ``log`` (or nowhere)."""
    return subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@dataclass
class Served:
    """A server running in a subprocess (see :func:`serve_process`)."""

    process: Process
    base_url: str
    startup_seconds: float


def uvicorn_command(app: AppSpec | str, port: int, *, host: str = HOST) -> list[str]:
    """``python -m uvicorn`` serving ``app`` (an AppSpec or ``module:attr``) on host:port."""
    command = [sys.executable, "-m", "uvicorn"]
    if isinstance(app, AppSpec):
        command += [app.target, "--app-dir", str(app.folder)]
    else:
        command.append(app)
    return [*command, "--host", host, "--port", str(port), "--log-level", "warning"]


@contextmanager
def serve_process(
    app: AppSpec | str | Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log: IO[bytes] | None = None,
    ready: str = "/openapi.json",
    startup_timeout: float = 60.0,
    host: str = HOST,
    start: Start = popen,
) -> Iterator[Served]:
    """Serve an app in a subprocess of its own process group on a free loopback port.

    ``app`` is an :class:`AppSpec` or ``module:attr`` (served by uvicorn), or a whole command
    line in which ``{port}`` stands for the port. The server is ready when ``ready`` answers
    with any status; on exit its whole process group is stopped, SIGTERM then SIGKILL.
    Output goes to ``log`` (default: discarded). ``start`` starts the command (the project's
    tests fork a pre-imported interpreter: ``tests/warm_servers.py``).
    """
    port = free_port(host)
    if isinstance(app, AppSpec | str):
        command = uvicorn_command(app, port, host=host)
    else:
        command = [part.replace("{port}", str(port)) for part in app]
    started = time.monotonic()
    process = start(command, cwd=cwd, env=env, log=log)
    try:
        base_url = f"http://{host}:{port}"
        _wait_until_ready(process, f"{base_url}{ready}", startup_timeout)
        yield Served(process, base_url, time.monotonic() - started)
    finally:
        stop(process)


def _wait_until_ready(process: Process, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            if process.poll() is not None:
                raise NotServing(f"{process.args!r} exited with {process.returncode}")
            try:
                client.get(url)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    message = f"{process.args!r} did not answer within {timeout:g} s"
                    raise NotServing(message) from None
                time.sleep(0.02)


def stop(process: Process, grace: float = 10.0) -> None:
    """Stop ``process`` and its process group: SIGTERM, then SIGKILL after ``grace`` s."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
