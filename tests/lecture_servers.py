"""The lecture's verbatim apps served by uvicorn in their own process, for the project's tests.

Not in a thread of the test process: pytester restores ``sys.modules`` after every in-process
run, which breaks the lazy imports (numpy, matplotlib backends, httpcore) of a server there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.appspec import AppSpec
from conformance.live import Start, popen, serve_process

LECTURE = Path(__file__).parent / "lecture"


@contextmanager
def lecture_server(
    exercise: str, startup_timeout: float = 60.0, start: Start = popen
) -> Iterator[str]:
    """Serve ``tests/lecture/<exercise>_app.py`` on a free loopback port; yield its URL.
    ``start``: how the server's command starts (a fresh interpreter, or a fork of
    ``tests/warm_servers.py``'s pre-imported one)."""
    app = AppSpec(LECTURE, f"{exercise}_app")
    with serve_process(app, startup_timeout=startup_timeout, start=start) as served:
        yield served.base_url


def suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the installed suite in a fresh interpreter, as `pytest --pyargs conformance`."""
    return pytester.runpytest_subprocess("--pyargs", "conformance", "-p", "no:cacheprovider", *args)
