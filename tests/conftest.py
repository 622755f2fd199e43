"""Fixtures for the project's own tests: the lecture's verbatim apps, served live."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import corpus_summary
import pytest
from lecture_servers import lecture_server


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: a worker has finished
def pytest_testnodedown(node: Any, error: object) -> None:
    corpus_summary.received(node.config, getattr(node, "workeroutput", {}))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    corpus_summary.show(terminalreporter, config)


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
