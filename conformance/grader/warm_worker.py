"""The warm worker of ``warm.py``: pytest's heavy imports once, a fork per student.

Started as ``python -I -B -c <this file's source> FD PARENT [TABLES]`` (isolated: no PYTHON*
variable, no user site, not its folder on ``sys.path``; no bytecode), in its own private
folder, with the cold suite's whitelisted environment, so that nothing a student controls is
imported and nothing of the conformance package is imported before the fork: pytest then
imports (and rewrites the asserts of) the plugin and the suite in each child, as a cold
``python -IB -m pytest`` run does.

``FD`` is a Unix ``SOCK_SEQPACKET`` socket: one job per message, ``{"args": [...], "timeout":
S, "folder": DIR?, "memory_mib": M}`` with the descriptor the child's output goes to (or none:
then the worker's own output); one reply per job, ``{"finished": bool, "code": int}``. The
child runs ``pytest.main(args)`` in its own session, in ``folder`` (its HOME and TMPDIR; a
fresh temp folder when none is given), stdin from /dev/null, its address space bounded to
``memory_mib`` as the launcher bounds a cold suite; after it exits, or is killed at the
time-out, whatever it left in its process group is killed too. SIGTERM kills the child's
group and the worker; the worker dies with the grader, and the child with the worker.
``TABLES``: a hypothesis storage folder that holds its Unicode tables
(``conformance.grader.unicode_tables``), copied in before the warm-up computes them.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
from types import FrameType
from typing import Any

PRELOAD = ("numpy", "httpx", "PIL.Image")
"""Imported once, before any fork, after the warm-up session: libraries the suite uses that
are no pytest plugin's (a plugin's package imported outside pytest would not have its asserts
rewritten in the child, and pytest would warn about it)."""

WARM_UP = ["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:conformance"]
"""A session that collects nothing: it imports pytest and every plugin but ours (hypothesis,
schemathesis, ...) as pytest imports them, asserts rewritten. It runs with an empty config of
its own, ``--rootdir`` its folder and ``--noconftest``: a ``pytest.ini`` or ``conftest.py``
planted above the worker's folder changes nothing."""

MIB = 1024 * 1024
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
MESSAGE = 1 << 20
"""Largest job message read."""

current: int | None = None
"""The running child's pid (its process group) until it is reaped."""


def worker_main(fd: int, parent: int, tables: str = "") -> None:
    """Answer one reply per job on the socket ``fd``, until the grader closes it."""
    die_with(parent)
    signal.signal(signal.SIGTERM, _terminated)
    control = socket.socket(fileno=fd)
    warm_up(tables)
    control.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, MESSAGE, 1)
        if not message:
            return
        out = fds[0] if fds else None
        try:
            reply = run_job(json.loads(message), control.fileno(), out)
        finally:
            if out is not None:
                os.close(out)
        control.send(json.dumps(reply).encode())


def die_with(parent: int) -> None:
    """Be killed when the process (thread) that started this one ends (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


def _terminated(signum: int, frame: FrameType | None) -> None:
    if current is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(current, signal.SIGKILL)
    os._exit(128 + signum)


def warm_up(tables: str = "") -> None:
    """Import pytest and its plugins (a session that collects nothing) and compute
    hypothesis' Unicode tables, then import ``PRELOAD``."""
    import pytest

    folder = tempfile.mkdtemp(prefix="conformance-warm-")
    config = os.path.join(folder, "warm-up.ini")
    with open(config, "w", encoding="utf-8") as ini:
        ini.write("[pytest]\n")
    if tables:  # hypothesis reads them instead of computing them (its storage: ./.hypothesis)
        with contextlib.suppress(OSError):
            shutil.copytree(
                os.path.join(tables, "unicode_data"),
                os.path.join(folder, ".hypothesis", "unicode_data"),
            )
    here = os.getcwd()
    try:
        os.chdir(folder)
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            pytest.main([*WARM_UP, "-c", config, "--rootdir", folder, "--noconftest", folder])
        unicode_tables()
    finally:
        os.chdir(here)
        shutil.rmtree(folder, ignore_errors=True)
    for name in PRELOAD:
        importlib.import_module(name)


def unicode_tables() -> None:
    """Have hypothesis compute its Unicode tables (the categories, and the characters UTF-8
    encodes: ~2 CPU s) once, here, in memory: every fork inherits them instead of computing
    them again (their cache files go to the warm-up folder, removed after)."""
    from hypothesis import strategies as st

    st.text().validate()
    st.characters(exclude_categories=["Cs"]).validate()


def run_job(job: dict[str, Any], control: int, out: int | None) -> dict[str, Any]:
    """Fork a child that runs ``pytest.main(job["args"])``; wait for it, bounded."""
    global current
    given = job.get("folder")
    folder = given or tempfile.mkdtemp(prefix="conformance-run-")
    try:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(job, folder, control, out)
        current = pid
        finished = _wait_unreaped(pid, float(job["timeout"]))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # and anything it left behind
        current = None  # before the pid can be reused
        _, status = os.waitpid(pid, 0)
        return {"finished": finished, "code": os.waitstatus_to_exitcode(status)}
    finally:
        if not given:
            shutil.rmtree(folder, ignore_errors=True)


def _child(job: dict[str, Any], folder: str, control: int, out: int | None) -> None:
    code = 3
    try:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(folder)
        os.environ.update(HOME=folder, TMPDIR=folder)
        tempfile.tempdir = None  # the worker's was cached: find this one
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        if out is not None:
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.close(out)
        os.close(control)
        bound(int(job.get("memory_mib", 0)))
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (the child's own stdout)
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        import pytest

        code = int(pytest.main(job["args"]))
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def bound(memory_mib: int) -> None:
    """What the launcher does for a cold suite (``grader/sandbox/launch.py`` with the suite's
    limits): the address space bounded, no core file, private files, no privilege gained
    again, killed with its parent (the worker)."""
    limits = {resource.RLIMIT_CORE: 0}
    if memory_mib:
        limits[resource.RLIMIT_AS] = memory_mib * MIB
    for name, value in limits.items():
        try:
            resource.setrlimit(name, (value, value))
        except (ValueError, OSError) as error:
            print(f"conformance: rlimit {name} not set: {error}", file=sys.stderr)
    os.umask(0o077)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _wait_unreaped(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        if info is not None:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


if __name__ == "__main__":
    worker_main(int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:4])
