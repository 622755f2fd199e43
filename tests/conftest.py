"""Fixtures for the project's own tests: the lecture's verbatim apps, served live.

Each is a uvicorn server in its own process, as a student runs it: pytester's in-process
runs restore ``sys.modules`` after every test, which a server thread of this process (with
numpy, matplotlib and httpcore imported lazily) does not survive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.live import free_socket

LECTURE = Path(__file__).parent / "lecture"


def serve_file(app_file: Path, startup_timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app_file``'s ``app`` with uvicorn in a subprocess on a free loopback port."""
    with free_socket() as sock:
        port = sock.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        f"{app_file.stem}:app",
        "--app-dir",
        str(app_file.parent),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                httpx.get(f"{url}/openapi.json", timeout=1.0, trust_env=False)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{app_file} did not start on {url}") from None
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def lecture_ex1_url() -> Iterator[str]:
    """The lecture's ex1 code, verbatim, served by uvicorn on loopback for the session."""
    yield from serve_file(LECTURE / "ex1_app.py")


@pytest.fixture(scope="session")
def lecture_ex2_url() -> Iterator[str]:
    """The lecture's ex2 code, verbatim, served by uvicorn on loopback for the session."""
    yield from serve_file(LECTURE / "ex2_app.py")
