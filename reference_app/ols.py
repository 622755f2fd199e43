"""Ordinary least squares for ex2: the fitted model as one immutable snapshot.

``/fit`` builds a new :class:`Fit` and swaps it in with a single assignment, so ``/predict``,
``/coefs`` and ``/plot`` always see one complete fit (never the coefficients of one fit with
the intercept of another), and a failed fit changes nothing. Shape errors are reported as
FastAPI validation error items (see :func:`reference_app.errors.error`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reference_app.errors import error


class ShapeError(ValueError):
    """The request's X or y cannot be used; ``errors`` are the 422 items that say why."""

    def __init__(self, *errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Fit:
    """One fitted model and the data it was fitted on; the arrays are read-only."""

    intercept: float
    coef: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    y_hat: np.ndarray

    def coefs(self) -> dict[str, Any]:
        """``{"intercept": float, "coef": [float, ...]}``, as /fit and /coefs answer."""
        return {"intercept": self.intercept, "coef": self.coef.tolist()}


def _count(n: int, noun: str) -> str:
    """``1 value``, ``2 values``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def as_matrix(X: list[list[float]]) -> np.ndarray:
    """``X`` as a float matrix with at least one row and one column, or a :class:`ShapeError`."""
    try:
        matrix = np.array(X, dtype=np.float64)
    except ValueError:
        width = len(X[0])
        row = next(i for i, values in enumerate(X) if len(values) != width)
        raise _row_error(
            X,
            row,
            f"Row {row} of X has {_count(len(X[row]), 'value')}, but row 0 has {width}: "
            "every row of X needs the same number of values",
        ) from None
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ShapeError(
            error(("body", "X"), "X needs at least 1 row, got none", type="too_short", input=X)
        )
    if matrix.shape[1] == 0:
        raise ShapeError(
            error(
                ("body", "X", 0),
                "Each row of X needs at least 1 value, got none",
                type="too_short",
                input=X[0],
            )
        )
    return matrix


def fit_ols(X: list[list[float]], y: list[float] | None) -> Fit:
    """Fit ``y ~ X`` with an intercept, as scikit-learn's LinearRegression does, or raise
    ShapeError (also when the numbers are too large for a finite fit)."""
    if y is None:
        raise ShapeError(
            error(
                ("body", "y"),
                "Field required: /fit needs y, one number for each row of X",
                type="missing",
            )
        )
    X_train = as_matrix(X)
    if len(y) != X_train.shape[0]:
        raise ShapeError(
            error(
                ("body", "y"),
                f"y has {_count(len(y), 'value')}, but X has {_count(X_train.shape[0], 'row')}: "
                "/fit needs one y value for each row of X",
                input=y,
            )
        )
    y_train = np.array(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        intercept, coef = least_squares(X_train, y_train)
        y_hat = X_train @ coef + intercept
        finite = np.isfinite(intercept) and np.isfinite(coef).all() and np.isfinite(y_hat).all()
        finite = finite and np.isfinite(y_train - y_hat).all()
    if not finite:
        raise ShapeError(
            error(
                ("body",),
                "The least-squares fit of this X and y is not a finite number: "
                "the values are too large",
            )
        )
    for array in (coef, X_train, y_train, y_hat):
        array.flags.writeable = False
    return Fit(intercept=intercept, coef=coef, X_train=X_train, y_train=y_train, y_hat=y_hat)


TOLERANCE = 1e-6
"""LinearRegression's ``tol``: singular values below it, relative to the largest, count as 0."""


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The intercept and coefficients scikit-learn's ``LinearRegression().fit(X, y)`` finds.

    Its algorithm, step by step: centre X and y on their means, solve the centred problem with
    LAPACK's ``gelsd`` (the minimum-norm solution when columns are collinear, with its ``tol``
    as the cut-off), then the intercept is ``mean(y) - mean(X) @ coef``. Same driver, same
    cut-off, same steps: the same numbers (``tests/reference/test_reference_ols.py`` compares
    them with scikit-learn's), without importing scikit-learn (a second), which the suite's
    oracle would pay in every test run. Numbers too large to centre give a non-finite result,
    never an error.
    """
    X_mean = X.mean(axis=0)
    y_mean = y.mean()
    X_centred, y_centred = X - X_mean, y - y_mean
    if not (np.isfinite(X_centred).all() and np.isfinite(y_centred).all()):
        return float("nan"), np.full(X.shape[1], np.nan)
    try:
        coef = np.linalg.lstsq(X_centred, y_centred, rcond=TOLERANCE)[0]
    except np.linalg.LinAlgError:  # the SVD did not converge
        return float("nan"), np.full(X.shape[1], np.nan)
    return float(y_mean - X_mean @ coef), coef


def predict(fit: Fit, X: list[list[float]]) -> list[float]:
    """The predictions of ``fit`` for the rows of ``X``, or a :class:`ShapeError`."""
    matrix = as_matrix(X)
    expected, given = fit.coef.shape[0], matrix.shape[1]
    if given != expected:
        raise ShapeError(
            error(
                ("body", "X"),
                f"X has {_count(given, 'column')}, but the model was fitted with {expected}: "
                f"each row of X needs {_count(expected, 'value')}",
            )
            | {"ctx": {"expected": expected, "given": given}}
        )
    with np.errstate(all="ignore"):
        y_hat = matrix @ fit.coef + fit.intercept
    if not np.isfinite(y_hat).all():
        row = int(np.flatnonzero(~np.isfinite(y_hat))[0])
        raise _row_error(
            X,
            row,
            f"The prediction for row {row} of X is not a finite number: "
            "its values are too large for the fitted model",
        )
    result: list[float] = y_hat.tolist()
    return result


def _row_error(X: Sequence[Sequence[float]], row: int, message: str) -> ShapeError:
    """A 422 for one row of ``X``, at ``body.X[row]``."""
    return ShapeError(error(("body", "X", row), message, input=X[row]))
