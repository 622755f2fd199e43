"""Fixtures for the project's own tests: the lecture's verbatim apps, served live."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import corpus_summary
import pytest
from lecture_servers import lecture_server

SLOW_FILES = (
    "test_corpus.py",
    "test_hostile.py",
    "test_schemathesis_hooks.py",
    "test_gradescope.py",
    "test_properties.py",
    "test_class_page.py",
    "test_shards.py",
    "test_docs.py",
    "test_grade_command.py",
    "test_plugin.py",
    "test_warm.py",
    "test_collect.py",
    "test_robust.py",
    "test_hygiene.py",
    "test_fresh.py",
    "test_student_pages.py",
    "test_class_workflow.py",
    "test_resilience.py",
    "test_audit.py",
    "test_load.py",
)
"""Test files that start many servers, sandboxes, browsers, whole suites or gradings: left out of
the quick loop (``python3 dev.py test --quick`` runs ``-m "not slow"`` and a corpus sample).
Longest first, as a full run measures them (the corpus ~520 s, the hostile class ~350 s, the
schemathesis runs ~260 s, ... ``--durations`` lists them): the full run starts them first, so
that the two workers of ``dev.py test`` end together, the short files filling in at the end."""


def pytest_configure(config: pytest.Config) -> None:
    # One hypothesis storage folder for every pytest these tests start (pytester runs start in
    # a fresh folder each): hypothesis computes its Unicode tables once (~2 CPU s) and caches
    # them there, instead of once per run. No profile of the suite keeps an example database,
    # so nothing else is shared. (The grader's own suites get a whitelisted environment.)
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(config.rootpath / ".hypothesis"))
    config.addinivalue_line(
        "markers", "slow: a test of a file that runs whole servers or gradings (dev.py test)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow files, and put them first, longest first (the order of ``SLOW_FILES``;
    pytest-xdist hands out whole files in this order: ``--no-loadscope-reorder``)."""
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    for item in items:
        if item.path.name in rank:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: else as collected


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
