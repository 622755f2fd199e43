"""pytest wiring for the oracle: its reference apps are imported ahead of time.

Importing a reference app (FastAPI, pydantic, numpy) takes a few tenths of a second, more on
a busy machine. When a selected test will need an oracle, a background thread imports the apps at
the end of collection, while the first tests wait for the server under test; the oracle's
first sequence then finds them imported (Python's import lock makes it wait for an import
still under way, never import twice).
"""

from __future__ import annotations

import importlib
import threading

import pytest

from conformance import registry
from conformance.settings import EXERCISE

NEEDS_ORACLE = ("_sequences.py", "_schema.py")
"""Test files whose tests call an oracle (the schema tests for their set-up requests)."""


def _import(modules: list[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the test that needs it reports the error, with its context
            return


def pytest_collection_finish(session: pytest.Session) -> None:
    needed = {
        item.stash[EXERCISE]
        for item in session.items
        if EXERCISE in item.stash and item.nodeid.split("::")[0].endswith(NEEDS_ORACLE)
    }
    wanted = [registry.get(name).app.partition(":")[0] for name in sorted(needed)]
    if wanted:
        threading.Thread(target=_import, args=(wanted,), name="oracle-import", daemon=True).start()
