"""Fixtures for the project's own tests: the lecture's verbatim apps, served live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.live import serve
from conformance.targets import load_app

LECTURE = Path(__file__).parent / "lecture"


@pytest.fixture(scope="session")
def lecture_ex1_url() -> Iterator[str]:
    """The lecture's ex1 code, verbatim, served by uvicorn on loopback for the session."""
    with serve(load_app(str(LECTURE / "ex1_app.py"))) as url:
        yield url


@pytest.fixture(scope="session")
def lecture_ex2_url() -> Iterator[str]:
    """The lecture's ex2 code, verbatim, served by uvicorn on loopback for the session."""
    with serve(load_app(str(LECTURE / "ex2_app.py"))) as url:
        yield url
