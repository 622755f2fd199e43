"""The lecture's verbatim apps served by uvicorn in their own process, for the project's tests.

Not in a thread of the test process: pytester restores ``sys.modules`` after every in-process
run, which breaks the lazy imports (numpy, matplotlib backends, httpcore) of a server there.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

LECTURE = Path(__file__).parent / "lecture"


@contextmanager
def lecture_server(exercise: str, startup_timeout: float = 60.0) -> Iterator[str]:
    """Serve ``tests/lecture/<exercise>_app.py`` on a free loopback port; yield its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", f"{exercise}_app:app", "--app-dir", str(LECTURE)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "critical"]
    server = subprocess.Popen(command, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            try:  # a bare socket: no client library to import lazily
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not serve the lecture's {exercise}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the installed suite in a fresh interpreter, as `pytest --pyargs conformance`."""
    return pytester.runpytest_subprocess("--pyargs", "conformance", "-p", "no:cacheprovider", *args)
