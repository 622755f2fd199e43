"""ex2 on data the other tests do not send: fits and predictions past 500 rows, repeated rows,
the same X with two y values, outliers, the same X refitted with another y, and the same X
predicted before and after a refit or a /reset.

The lecture's /fit is ``LinearRegression().fit`` on every row it is sent and /predict is
``lm.predict`` of the current model: a cap, a cleaning step (dropping repeated rows or outliers)
or a cache keyed on X changes the answers here. Each property starts from explicit examples,
one for each of those mistakes, so catching them never depends on the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import example, given, note
from hypothesis.strategies import SearchStrategy

from conformance import awkward, expect, profiles
from conformance.awkward import Refit
from conformance.fitted import ServerModel, check_predictions, fit
from conformance.matchers import Close, close_all
from conformance.regression import Dataset, least_squares, well_conditioned

pytestmark = pytest.mark.ex2

BASE = well_conditioned(seed=61, n=40, p=3, intercept=2.5)

FITS = {
    "600-rows": (well_conditioned(seed=62, n=awkward.BIG, p=5, intercept=1.5),),
    "repeated-rows": (awkward.repeated_rows(BASE, rows=3, times=3),),
    "same-x-two-y": (awkward.repeated_x(BASE, rows=3, shift=7.5),),
    "outliers": (awkward.outliers(BASE, rows=2, size=60.0),),
    "same-x-refitted-with-another-y": (BASE, awkward.new_y(BASE, seed=63)),
}
"""Fits in turn: a cap at 500 rows, dropping repeats, dropping repeated X, dropping
outliers, a cache of fits keyed on X each answer one of them wrongly."""

REFITS = {
    "same-x-after-a-refit": Refit(BASE, awkward.new_y(BASE, seed=64), BASE.X[:4], reset=False),
    "same-x-after-a-reset": Refit(
        BASE, well_conditioned(seed=65, n=30, p=3, intercept=-1.0), BASE.X[:4], reset=True
    ),
    "700-rows": Refit(
        BASE, awkward.new_y(BASE, seed=66), well_conditioned(67, 700, 3).X, reset=False
    ),
}
"""Predictions of one X from two models: a cache keyed on X (not cleared by /fit or /reset)
answers the first model's twice; a cap at 500 answers 500 of 700."""


def coefs_of(data: Dataset) -> dict[str, Any]:
    fit = least_squares(data.X, data.y)
    return {"intercept": Close(fit.intercept), "coef": close_all(fit.coef)}


def shapes(fits: tuple[Dataset, ...]) -> str:
    return ", then ".join(f"{len(d.X)} rows x {len(d.X[0])} columns" for d in fits)


def given_starting_from(
    examples: dict[str, Any], **strategy: SearchStrategy[Any]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``@given(**strategy)`` (one argument), tried first with each of ``examples`` in turn,
    as ``@example`` lines in that order would: one example a mistake, caught under any seed."""
    (name,) = strategy

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        for value in reversed(examples.values()):  # the last @example line is applied first
            test = example(**{name: value})(test)
        return given(**strategy)(test)

    return decorate


@pytest.mark.slide("Fitting the model")
@profiles.suite_settings(share=0.25)
@given_starting_from(FITS, fits=awkward.fit_sequences())
def test_fit_is_least_squares_past_caps_and_cleaning(
    client: httpx.Client, fits: tuple[Dataset, ...]
) -> None:
    note(f"fits: {shapes(fits)}")
    for data in fits:
        expect.check(client.post("/fit", json=data.body()), 200, coefs_of(data))


@pytest.mark.slide("Predicting from the model")
@profiles.suite_settings(share=0.25)
@given_starting_from(REFITS, refit=awkward.refits())
def test_predict_follows_refits_and_resets(client: httpx.Client, refit: Refit) -> None:
    note(repr(refit))
    model = ServerModel()
    fit(client, refit.first, model)
    check_predictions(client, model, refit.X)
    if refit.reset:
        expect.check(client.get("/reset"), 200, {})
        model.reset()
    fit(client, refit.second, model)
    check_predictions(client, model, refit.X)
