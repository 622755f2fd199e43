"""Inputs past the sizes and shapes the other tests use, where caps, truncations, cleaning
steps and caches hide: long text, long lists, fits and predictions of more than 500 rows,
repeated rows, outliers, the same X with another y.

Each generator is a plain function of a few numbers (so the suite's explicit examples are
readable data) and a hypothesis strategy drawing those numbers. Everything stays inside what
the lecture's own code answers: finite numbers, unique least-squares fits, text that travels
as UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
from hypothesis import strategies as st

from conformance import strategies as gen
from conformance.regression import Dataset, least_squares, well_conditioned

# --- long text ------------------------------------------------------------------------------

LONG = 1001
"""Text longer than this is past the 1000 (and 255, 500...) characters a cap would keep."""

MAX_QUERY_BYTES = 8000
"""A name sent in the URL stays under this many bytes once escaped: servers refuse request
lines past 8 to 16 KiB (uvicorn's limit is 16 KiB), which is not a cap of the student's."""


def long_text(pattern: str, length: int, tail: str) -> str:
    """``pattern`` repeated to ``length`` characters, ending with ``tail``: a cut anywhere
    loses the tail, which is what the answer is compared on first."""
    pattern = pattern or "x"
    body = (pattern * (length // len(pattern) + 1))[: max(0, length - len(tail))]
    return body + tail


def long_texts(max_length: int = 5000) -> st.SearchStrategy[str]:
    """Text of ``LONG`` to ``max_length`` characters, built from the suite's short texts."""
    return st.builds(long_text, gen.texts(12), st.integers(LONG, max_length), gen.texts(12)).filter(
        lambda text: len(text) >= LONG
    )


def fits_in_a_url(text: str) -> bool:
    return len(quote(text, safe="")) <= MAX_QUERY_BYTES


def long_name(pattern: str, length: int, tail: str) -> str:
    """``long_text``, made to fit in a URL: a pattern that escapes to too many bytes (emoji
    are 12 bytes each) is sent once, in the tail, and plain letters repeated instead."""
    text = long_text(pattern, length, tail)
    if fits_in_a_url(text):
        return text
    return long_text("Ab", length, pattern + tail)


def long_names() -> st.SearchStrategy[str]:
    """A long name that still fits in a URL (see ``MAX_QUERY_BYTES``)."""
    return st.builds(long_name, gen.texts(12), st.integers(LONG, 2500), gen.texts(12))


# --- awkward regression data ----------------------------------------------------------------

BIG = 600
"""Rows of a big fit or prediction: past a 500-row cap."""


def repeated_rows(data: Dataset, rows: int, times: int) -> Dataset:
    """``data`` with its ``rows`` worst-fitted rows sent ``times`` more times each (at the end):
    least squares on all rows weighs them more, so dropping repeats changes the fit."""
    worst = _worst_fitted(data, rows)
    X = data.X + [data.X[i] for i in worst for _ in range(times)]
    y = data.y + [data.y[i] for i in worst for _ in range(times)]
    return Dataset(X, y)


def repeated_x(data: Dataset, rows: int, shift: float) -> Dataset:
    """``data`` with its first ``rows`` rows of X sent again with y moved by ``shift``: the
    same X with two different y, which dropping duplicate X rows would lose."""
    X = data.X + [list(row) for row in data.X[:rows]]
    y = data.y + [round(v + shift, 6) for v in data.y[:rows]]
    return Dataset(X, y)


def outliers(data: Dataset, rows: int, size: float) -> Dataset:
    """``data`` with ``rows`` extra rows whose y lies ``size`` above the fitted line, far
    outside the other residuals (a z-score well past 3)."""
    fit = least_squares(data.X, data.y)
    X = [[round(v / 2, 6) for v in row] for row in data.X[:rows]]
    y = [round(v + size, 6) for v in fit.predict(X)]
    return Dataset(data.X + X, data.y + y)


def new_y(data: Dataset, seed: int) -> Dataset:
    """The same X with another y (other coefficients and intercept)."""
    fresh = well_conditioned(seed, len(data.X), len(data.X[0]), intercept=-3.0)
    return Dataset(data.X, fresh.y)


def _worst_fitted(data: Dataset, rows: int) -> list[int]:
    fit = least_squares(data.X, data.y)
    residuals = np.abs(np.asarray(data.y) - np.asarray(fit.predict(data.X)))
    return [int(i) for i in np.argsort(-residuals)[:rows]]


@dataclass(frozen=True)
class Refit:
    """A fit, a prediction, maybe a /reset, another fit and the same prediction again."""

    first: Dataset
    second: Dataset
    X: list[list[float]]
    reset: bool

    def __repr__(self) -> str:  # what a failing example shows: shapes, not 600 rows
        return (
            f"Refit(first={_shape(self.first)}, second={_shape(self.second)}, "
            f"X={len(self.X)} rows, reset={self.reset})"
        )


def _shape(data: Dataset) -> str:
    return f"{len(data.X)}x{len(data.X[0])}"


def shaped(data: Dataset, how: str) -> Dataset:
    """``data`` made awkward in one of the ways above (``how``), or left as it is."""
    if how == "repeated-rows":
        return repeated_rows(data, rows=3, times=3)
    if how == "repeated-x":
        return repeated_x(data, rows=3, shift=7.5)
    if how == "outliers":
        return outliers(data, rows=2, size=60.0)
    return data


HOWS = ("plain", "repeated-rows", "repeated-x", "outliers")


@st.composite
def fit_sequences(draw: st.DrawFn) -> tuple[Dataset, ...]:
    """One or two fits; the second may be the same X with another y."""
    base = draw(gen.datasets(), label="data")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    first = shaped(base, draw(st.sampled_from(HOWS), label="shape"))
    if not draw(st.booleans(), label="refit"):
        return (first,)
    return (first, new_y(first, seed))


@st.composite
def refits(draw: st.DrawFn) -> Refit:
    """A model, predictions of some X, a /reset or not, another model of the same width (the
    same X with another y, or other data) and predictions of the same X."""
    first = draw(gen.datasets(), label="first data")
    columns = len(first.X[0])
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    if draw(st.booleans(), label="same X"):
        second = new_y(first, seed)
    else:
        second = draw(gen.datasets(columns), label="second data")
    X = draw(gen.rows(columns), label="X")
    return Refit(first, second, X, draw(st.booleans(), label="reset"))
