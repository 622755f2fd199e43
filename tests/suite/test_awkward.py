"""The awkward data and the explicit examples: each one really tells its mistake apart.

The corpus shows that the suite catches each kind of mistake; these show why, without a
server: the mistake's answer differs from the lecture's by more than the suite's tolerance.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import numpy as np
import pytest
from hypothesis import given, settings

from conformance import awkward
from conformance.regression import Dataset, least_squares, well_conditioned
from conformance.suite.test_ex1_sizes import (
    LONG_DESCRIPTION,
    LONG_NAME,
    LONG_UNICODE,
    LONG_URL_NAME,
)
from conformance.suite.test_ex2_data import FITS, REFITS

TOLERANCE = 1e-6
"""The fit tolerance of the suite (relative)."""


def differs(a: Dataset, b: Dataset) -> bool:
    """Whether fitting ``b`` instead of ``a`` changes a coefficient past the tolerance."""
    fa, fb = least_squares(a.X, a.y), least_squares(b.X, b.y)
    pairs = zip((fa.intercept, *fa.coef), (fb.intercept, *fb.coef), strict=True)
    return any(not math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=1e-9) for x, y in pairs)


def without_repeated_x(data: Dataset) -> Dataset:
    _, first = np.unique(np.asarray(data.X), axis=0, return_index=True)
    keep = sorted(int(i) for i in first)
    return Dataset([data.X[i] for i in keep], [data.y[i] for i in keep])


def without_outliers(data: Dataset) -> Dataset:
    y = np.asarray(data.y)
    keep = np.abs(y - y.mean()) <= 3 * y.std()
    return Dataset([r for r, k in zip(data.X, keep, strict=True) if k], list(y[keep]))


def test_each_fit_example_is_changed_by_the_mistake_it_is_for() -> None:
    (big,) = FITS["600-rows"]
    assert len(big.X) > 500 and differs(big, Dataset(big.X[:500], big.y[:500]))
    for name in ("repeated-rows", "same-x-two-y"):
        (data,) = FITS[name]
        assert differs(data, without_repeated_x(data)), name
    (data,) = FITS["outliers"]
    assert len(without_outliers(data).X) < len(data.X)
    assert differs(data, without_outliers(data))
    first, second = FITS["same-x-refitted-with-another-y"]
    assert first.X == second.X and differs(first, second)


def test_each_refit_example_changes_the_predictions_of_its_x() -> None:
    for name, refit in REFITS.items():
        before = least_squares(refit.first.X, refit.first.y).predict(refit.X)
        after = least_squares(refit.second.X, refit.second.y).predict(refit.X)
        assert max(abs(a - b) for a, b in zip(before, after, strict=True)) > 1e-3, name
    assert len(REFITS["700-rows"].X) > 500
    assert REFITS["same-x-after-a-reset"].reset


def test_long_texts_are_long_and_end_with_their_tail() -> None:
    for text, tail in (
        (LONG_NAME, "end!"),
        (LONG_UNICODE, "%2F+&#"),
        (LONG_DESCRIPTION, "(the end)"),
    ):
        assert len(text) > 1000 and text.endswith(tail)
    assert awkward.long_text("", 1001, "") == "x" * 1001
    assert len(LONG_URL_NAME) > 4096 and awkward.fits_in_a_url(LONG_URL_NAME)


@settings(max_examples=30, deadline=None)
@given(awkward.long_names())
def test_long_names_fit_in_a_url(name: str) -> None:
    assert len(name) >= awkward.LONG
    assert len(quote(name, safe="")) <= awkward.MAX_QUERY_BYTES


@pytest.mark.parametrize("how", awkward.HOWS)
def test_every_shape_keeps_a_unique_fit(how: str) -> None:
    data = awkward.shaped(well_conditioned(seed=5, n=20, p=2), how)
    design = np.column_stack([np.ones(len(data.X)), np.asarray(data.X)])
    assert np.linalg.matrix_rank(design) == design.shape[1]
