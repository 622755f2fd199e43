"""The corpus table at the end of a test run, also when pytest-xdist ran the corpus elsewhere.

``tests/test_corpus.py`` computes the summary in the process that graded the corpus and hands
it over; ``tests/conftest.py`` prints it in the terminal summary. Under pytest-xdist the
corpus runs in a worker, whose output nobody sees: the summary travels to the controller in
the worker's ``workeroutput`` (xdist's channel for exactly this) and is printed there.
"""

from __future__ import annotations

from typing import Any

import pytest

KEY = "corpus-summary"
SUMMARY = pytest.StashKey[dict[str, Any]]()


def hand_over(config: pytest.Config, data: dict[str, Any]) -> None:
    """Keep ``data`` for this process's terminal summary, or send it to xdist's controller."""
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[KEY] = data
    else:
        config.stash[SUMMARY] = data


def received(config: pytest.Config, workeroutput: dict[str, Any]) -> None:
    """A finished xdist worker's summary, kept for the controller's terminal summary."""
    if KEY in workeroutput:
        config.stash[SUMMARY] = workeroutput[KEY]


def show(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The corpus section: servers, ok, fail and skip per category, then the totals."""
    data = config.stash.get(SUMMARY, None)
    if not data:
        return
    write = terminalreporter.write_line
    terminalreporter.section("corpus")
    write(f"{'category':<14} {'servers':>7} {'ok':>4} {'fail':>4} {'skip':>4}")
    for name, counts in data["categories"].items():
        write(
            f"{name:<14} {counts['servers']:>7} {counts.get('ok', 0):>4} "
            f"{counts.get('fail', 0):>4} {counts.get('skip', 0):>4}"
        )
    write(
        f"broken caught {data['broken_caught']}/{data['broken']}, correct passed "
        f"{data['correct_passed']}/{data['correct']}, skipped {data['skipped']}; "
        f"wall {data['wall_seconds']} s with {data['workers']} workers "
        f"(sum of per-server times {data['server_seconds']} s); summary: {data['path']}"
    )
