"""Training data whose residual plot can be read back, and the fit a plot is judged by.

A residuals-vs-fitted plot of random data is a cloud of overlapping markers; nothing in it
can be checked without comparing pixels. These data are designed instead: the rows come in
groups that share one row of X, and the residuals of each group sum to zero. Then ordinary
least squares puts every row of a group at the group's fitted value exactly, with exactly
the residuals chosen here, so the plot is a few columns of well separated markers:

* 7 columns (fitted values 0 to 12, at least 1/8 of the range apart) of 3 or 4 markers
  (residuals -4 to 4, at least 1.5 apart within a column, none closer than 1 to the zero
  line): markers up to 10 px across stay apart in a 4 x 3 inch figure at 100 dpi;
* no column's residuals are their own mirror image, so a flipped sign shows;
* neither column of X is an affine function of the fitted values, so a plot against a
  column of X, the row number or y shows;
* 104 rows: a head group (rows 0-3) and a tail group (rows 100-103) appear once, the
  other groups six times in a fixed shuffled order, so a plot of only the first (or last)
  100 rows misses a whole column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from conformance.regression import Dataset, Fit, least_squares


@dataclass(frozen=True)
class RowsAtOneX:
    """Rows that share one row of X, and the residuals they are given."""

    x: tuple[float, float]
    fitted: float
    residuals: tuple[float, ...]
    place: str = "middle"
    """``head`` (the first rows), ``tail`` (the last rows) or ``middle`` (repeated)."""


INTERCEPT, COEF = 1.0, (2.0, -1.0)
"""The fit the groups are built on: fitted = 1 + 2 x1 - x2."""

GROUPS = (
    RowsAtOneX((3.0, 7.0), 0.0, (-4.0, 1.0, 3.0)),
    RowsAtOneX((1.0, 1.0), 2.0, (-3.5, -1.5, 1.0, 4.0)),
    RowsAtOneX((-2.0, -6.5), 3.5, (-3.0, -1.5, 1.0, 3.5), place="tail"),
    RowsAtOneX((2.0, -1.0), 6.0, (-2.5, -1.0, 3.5)),
    RowsAtOneX((-3.0, -12.5), 7.5, (-4.0, -1.0, 1.5, 3.5), place="head"),
    RowsAtOneX((-1.0, -11.0), 10.0, (-3.0, -1.0, 4.0)),
    RowsAtOneX((0.0, -11.0), 12.0, (-3.5, 1.0, 2.5)),
)

READABLE_GAP = 0.04
"""Distinct points closer than this share of their spread are too close to read apart."""

MIDDLE_REPEATS = 6
SHUFFLE_SEED = 17
"""The middle rows' order: a fixed permutation, so the row number says nothing."""


@cache
def residual_grid() -> Dataset:
    """The designed training data: 104 rows, 2 columns, 24 distinct (fitted, residual)."""
    head: list[tuple[list[float], float]] = []
    middle: list[tuple[list[float], float]] = []
    tail: list[tuple[list[float], float]] = []
    for group in GROUPS:
        rows = [(list(group.x), group.fitted + r) for r in group.residuals]
        {"head": head, "middle": middle, "tail": tail}[group.place].extend(rows)
    middle *= MIDDLE_REPEATS
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(middle))
    rows = head + [middle[i] for i in order] + tail
    return Dataset([x for x, _ in rows], [y for _, y in rows])


def residuals_scaled(data: Dataset, fit: Fit, k: float) -> Dataset:
    """y' = fitted + k * residual: the same fitted values, every residual times k."""
    fitted = fit.predict(data.X)
    return Dataset(data.X, [f + k * (y - f) for f, y in zip(fitted, data.y, strict=True)])


def fitted_shifted(data: Dataset, column: int, c: float) -> Dataset:
    """y' = y + c * X[:, column]: the same residuals, the fitted values moved by c * x."""
    return Dataset(data.X, [y + c * x[column] for x, y in zip(data.X, data.y, strict=True)])


def answered_fit(answer: Any, columns: int) -> Fit | None:
    """The fit a /fit answer states, read leniently (an intercept in a list, coef as a
    list of one list); None when it states no usable coefficients."""
    if not isinstance(answer, dict):
        return None
    intercept = _numbers(answer.get("intercept"))
    coef = _numbers(answer.get("coef"))
    if intercept is None or coef is None or len(intercept) != 1 or len(coef) != columns:
        return None
    return Fit(intercept[0], tuple(coef))


def _numbers(value: Any) -> list[float] | None:
    """The numbers of a number or a (nested) list of numbers, flattened; finite only."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return [float(value)] if np.isfinite(value) else None
    if isinstance(value, list):
        out: list[float] = []
        for item in value:
            numbers = _numbers(item)
            if numbers is None:
                return None
            out += numbers
        return out
    return None


@dataclass(frozen=True)
class Residuals:
    """What a fit makes of training data: each row's fitted value and residual."""

    data: Dataset
    fit: Fit
    source: str
    """Where the fit comes from, for a message ("your /fit answer", "least squares")."""

    @property
    def fitted(self) -> list[float]:
        return self.fit.predict(self.data.X)

    @property
    def residuals(self) -> list[float]:
        return [y - f for y, f in zip(self.data.y, self.fitted, strict=True)]

    def points(self) -> list[tuple[float, float]]:
        """Each row's (fitted, residual)."""
        return list(zip(self.fitted, self.residuals, strict=True))

    def readable(self) -> bool:
        """Whether the distinct points are far enough apart (1/25 of their spread) for their
        markers not to run into each other: a fit far from least squares may crowd them."""
        points, _ = distinct(self.points())
        if len(points) < 2:
            return False
        scaled = np.asarray(points, dtype=float)
        spread = np.ptp(scaled, axis=0)
        if not spread.all():
            return False
        scaled /= spread
        gaps = np.hypot(*(scaled[:, None, :] - scaled[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(gaps, np.inf)
        return bool(gaps.min() >= READABLE_GAP)


def fits_to_judge_by(data: Dataset, answer: Any) -> list[Residuals]:
    """The server's own fit (from its /fit answer) first, then least squares when it differs:
    a plot drawn from either is a plot of the model (a wrong fit is the /fit tests' to judge)."""
    columns = len(data.X[0])
    found: list[Residuals] = []
    own = answered_fit(answer, columns)
    if own is not None:
        found.append(Residuals(data, own, "your /fit answer"))
    ols = least_squares(data.X, data.y)
    if own is None or not _same_fit(own, ols):
        found.append(Residuals(data, ols, "least squares"))
    return found


def states_least_squares(answer: Any, data: Dataset) -> bool:
    """Whether a /fit answer states the least-squares fit of ``data`` (to 1e-6): so the
    server fitted these data alone, and nothing kept from an earlier fit."""
    own = answered_fit(answer, len(data.X[0]))
    return own is not None and _same_fit(own, least_squares(data.X, data.y), 1e-6)


def _same_fit(a: Fit, b: Fit, tolerance: float = 1e-9) -> bool:
    ours = np.array([a.intercept, *a.coef])
    theirs = np.array([b.intercept, *b.coef])
    return bool(np.allclose(ours, theirs, rtol=tolerance, atol=tolerance))


def distinct(
    points: Sequence[tuple[float, float]],
) -> tuple[list[tuple[float, float]], list[list[int]]]:
    """The distinct points (to 1e-9 of their spread) and the rows drawn at each."""
    spread = np.ptp(np.asarray(points, dtype=float), axis=0)
    spread[spread == 0] = 1.0
    keys: dict[tuple[int, int], int] = {}
    unique: list[tuple[float, float]] = []
    rows: list[list[int]] = []
    for i, (u, v) in enumerate(points):
        key = (round(u / spread[0] * 1e9), round(v / spread[1] * 1e9))
        if key not in keys:
            keys[key] = len(unique)
            unique.append((u, v))
            rows.append([])
        rows[keys[key]].append(i)
    return unique, rows
