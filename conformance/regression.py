"""The suite's own least-squares model, to check a server's /fit and /predict against.

Computed with numpy alone, so a server that uses scikit-learn, numpy, or the normal
equations all agree with it on well-conditioned data to far better than the tolerances used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np


@dataclass(frozen=True)
class Fit:
    """An ordinary least-squares fit with an intercept."""

    intercept: float
    coef: tuple[float, ...]

    def predict(self, X: list[list[float]]) -> list[float]:
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
