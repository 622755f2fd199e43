"""The warm worker of ``warm.py``: pytest's heavy imports once, a fork per student.

Started as ``python -c <this file's source>`` so that nothing of the conformance package is
imported before the fork: pytest then imports (and rewrites the asserts of) the plugin and
the suite in each child, as a cold ``python -m pytest`` run does. It reads one job per line
on stdin, ``{"args": [...], "log": FILE, "timeout": S}``, and answers one line on stdout,
``{"finished": bool, "code": int}``. The child runs ``pytest.main(args)`` in its own session,
in an empty temporary folder, stdin from /dev/null, its output in the log; after it exits,
or is killed at the time-out, whatever it left in its process group is killed too.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from typing import Any

PRELOAD = ("numpy", "httpx", "PIL.Image")
"""Imported once, before any fork, after the warm-up session: libraries the suite uses that
are no pytest plugin's (a plugin's package imported outside pytest would not have its asserts
rewritten in the child, and pytest would warn about it)."""

WARM_UP = ["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:conformance"]
"""A session that collects nothing: it imports pytest and every plugin but ours (hypothesis,
schemathesis, ...) as pytest imports them, asserts rewritten."""


def worker_main() -> None:
    """Read one job per line on stdin, answer one line on stdout, until stdin closes."""
    replies = sys.stdout
    sys.stdout = sys.stderr  # nothing but replies on the pipe
    warm_up()
    print(json.dumps({"ready": True}), file=replies, flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        print(json.dumps(run_job(job)), file=replies, flush=True)


def warm_up() -> None:
    """Import pytest and its plugins (a session that collects nothing), then ``PRELOAD``."""
    import pytest

    folder = tempfile.mkdtemp(prefix="conformance-warm-")
    here = os.getcwd()
    try:
        os.chdir(folder)
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            pytest.main([*WARM_UP, folder])
    finally:
        os.chdir(here)
        shutil.rmtree(folder, ignore_errors=True)
    for name in PRELOAD:
        importlib.import_module(name)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Fork a child that runs ``pytest.main(job["args"])``; wait for it, bounded."""
    folder = tempfile.mkdtemp(prefix="conformance-run-")
    try:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(job["args"], folder, job["log"])
        finished = _wait_unreaped(pid, float(job["timeout"]))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # and anything it left behind
        _, status = os.waitpid(pid, 0)
        return {"finished": finished, "code": os.waitstatus_to_exitcode(status)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _child(args: list[str], folder: str, log: str | None) -> None:
    code = 3
    try:
        os.setsid()
        os.chdir(folder)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        if log:
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(out, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (the child's own stdout)
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        import pytest

        code = int(pytest.main(args))
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


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
    worker_main()
