"""Helpers shared by the reference apps' tests (tests/reference/test_reference_*.py).

Every test talks to a real uvicorn server on loopback: either in a thread of the test
process (:func:`live_client`, built on ``conformance.live.serve``) or in a subprocess
(:func:`spawn`), so that what is tested is what a student's client would see.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import numpy as np

from conformance.live import serve

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@contextmanager
def live_client(app: Any) -> Iterator[httpx.Client]:
    """An httpx client (redirects not followed) for ``app`` served by uvicorn on loopback."""
    with (
        serve(app) as base_url,
        httpx.Client(base_url=base_url, timeout=30, trust_env=False) as client,
    ):
        yield client


def exact(got: Any, expected: Any, where: str = "$") -> None:
    """Assert ``got == expected`` with the same JSON types (3 is not 3.0) and key order."""
    assert type(got) is type(expected), (
        f"{where}: {got!r} is {type(got).__name__}, not {expected!r}"
    )
    if isinstance(expected, dict):
        assert list(got) == list(expected), f"{where}: keys {list(got)} != {list(expected)}"
        for key in expected:
            exact(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), f"{where}: {len(got)} items, not {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            exact(g, e, f"{where}[{i}]")
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


def seeded_demo() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's seeded ex2 data ("Fitting the model"): X is 100 x 5, y = X b + noise."""
    rng = np.random.default_rng(seed=1234)
    n = 100
    X = rng.normal(size=(n, 5))
    b = np.array([5, 0, 0, 3, -2]).reshape(-1, 1)
    y = (X @ b).squeeze() + rng.normal(scale=0.5, size=n)
    return X, y


def load_lecture_app(name: str) -> ModuleType:
    """The lecture's verbatim code, tests/lecture/<name>.py, imported as a fresh module."""
    path = REPO / "tests" / "lecture" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"lecture_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
