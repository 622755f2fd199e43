"""The suite's own least-squares model, to check a server's /fit and /predict against.

Computed with numpy alone, so a server that uses scikit-learn, numpy, or the normal
equations all agree with it on well-conditioned data to far better than the tolerances used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Fit:
    """An ordinary least-squares fit with an intercept."""

    intercept: float
    coef: tuple[float, ...]

    def predict(self, X: list[list[float]]) -> list[float]:
        """Predictions for the rows ``X``; one too large for a float is ``inf`` (callers that
        care ask ``math.isfinite``), without numpy's overflow warning."""
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.asarray(X, dtype=float) @ np.asarray(self.coef) + self.intercept
        return [float(v) for v in values]


def least_squares(X: list[list[float]], y: list[float]) -> Fit:
    """Ordinary least squares with an intercept, as LinearRegression() computes it."""
    A = np.asarray(X, dtype=float)
    b = np.asarray(y, dtype=float)
    design = np.column_stack([np.ones(len(A)), A])
    solution, *_ = np.linalg.lstsq(design, b, rcond=None)
    return Fit(float(solution[0]), tuple(float(c) for c in solution[1:]))


@dataclass(frozen=True)
class Dataset:
    """Training data for /fit, as JSON-ready lists."""

    X: list[list[float]]
    y: list[float]

    def body(self) -> dict[str, list[list[float]] | list[float]]:
        return {"X": self.X, "y": self.y}


@cache
def seeded_demo() -> Dataset:
    """The lecture's "Fitting the model" data: seed 1234, n=100, b=[5,0,0,3,-2], noise 0.5."""
    rng = np.random.default_rng(seed=1234)
    n = 100
    X = rng.normal(size=(n, 5))
    b = np.array([5, 0, 0, 3, -2]).reshape(-1, 1)
    y = (X @ b).squeeze() + rng.normal(scale=0.5, size=n)
    return Dataset(X.tolist(), y.tolist())


TRUE_COEF = (5.0, 0.0, 0.0, 3.0, -2.0)
"""The coefficients the lecture's seeded data was generated from (intercept 0)."""


def well_conditioned(
    seed: int, n: int, p: int, intercept: float = 0.0, noise: float = 0.5
) -> Dataset:
    """Random data whose least-squares solution is unique and numerically stable.

    Columns are independent standard normals with n well above p, so the design's condition
    number stays small and every correct solver agrees to about 1e-12.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    coef = rng.uniform(-5, 5, size=p)
    y = intercept + X @ coef + rng.normal(scale=noise, size=n)
    return Dataset(X.round(6).tolist(), y.round(6).tolist())


def fit_of(answer: Any, columns: int | None) -> Fit | None:
    """The model a server says it fitted, read from its ``/fit`` (or ``/coefs``) answer:
    ``{"intercept": number, "coef": [number] * columns}`` (any non-empty list of numbers when
    ``columns`` is None); None when the answer does not say.

    Endpoints that depend on the fit (``/predict``, ``/coefs``, ``/plot``) are judged against
    the server's own fit, so a wrong fit costs the fit's rule once, not theirs as well.
    """
    if not isinstance(answer, dict):
        return None
    intercept, coef = answer.get("intercept"), answer.get("coef")
    if not isinstance(intercept, int | float) or not _number(intercept):
        return None
    if not isinstance(coef, list) or not coef or not all(_number(c) for c in coef):
        return None
    if columns is not None and len(coef) != columns:
        return None
    return Fit(float(intercept), tuple(float(c) for c in coef))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


EXACT_FIT = Dataset([[0.0], [1.0], [2.0], [3.0]], [1.0, 3.0, 5.0, 7.0])
"""y = 1 + 2x exactly: a regularised fit shrinks the 2, a fit without intercept misses the 1."""

WIDE = well_conditioned(seed=11, n=40, p=5, intercept=-25.0)
"""Five columns and a large intercept, as in the lecture's demo."""

LARGE_VALUES = Dataset(
    [[1e4 * row[0]] for row in well_conditioned(12, 12, 1).X],
    [3e6 + value for value in range(12)],
)
"""Values far from 1: float32 arithmetic, or rounding, loses their last digits."""
