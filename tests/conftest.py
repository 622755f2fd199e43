"""Fixtures for the project's own tests: the lecture's verbatim apps, served live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lecture_servers import lecture_server


@pytest.fixture(scope="session")
def lecture_ex1_url() -> Iterator[str]:
    """The lecture's ex1 code, verbatim, served by uvicorn on loopback for the session."""
    with lecture_server("ex1") as url:
        yield url


@pytest.fixture(scope="session")
def lecture_ex2_url() -> Iterator[str]:
    """The lecture's ex2 code, verbatim, served by uvicorn on loopback for the session."""
    with lecture_server("ex2") as url:
        yield url
