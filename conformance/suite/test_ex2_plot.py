"""ex2 /plot: "Returning a figure - StreamingResponse" and "Residuals plot".

The plot is never compared pixel by pixel with the reference's: it is read. The training data
are designed (conformance.residuals) so that the residual plot is a few columns of well
separated markers; the plot must show each row where the server's own fit puts it (its
fitted value across, its residual up, one scale per axis) and a line at residual 0, in any
size, dpi or style. Every example is fixed: the verdict never depends on a seed.
"""

import httpx
import pytest

from conformance import expect
from conformance.fitted import PLOT_BEFORE_FIT, ServerModel, judged_after_reset
from conformance.oracle import Images
from conformance.plotcheck import blocked_by_fit, check_residual_plot, fit_answer
from conformance.prerequisite import Blocked
from conformance.regression import least_squares
from conformance.residuals import (
    fitted_shifted,
    residual_grid,
    residuals_scaled,
    states_least_squares,
)

pytestmark = [pytest.mark.ex2, pytest.mark.slide("Residuals plot")]

RESIDUALS_TIMES = -2.0
"""The residual-only change: y' = fitted - 2 * residual (the markers flip and stretch)."""

SHIFTED_COLUMN, SHIFT = 0, 2.0
"""The fitted-only change: y'' = y' + 2 * X[:, 0] (the columns of markers change places)."""


def reset(client: httpx.Client) -> None:
    """GET /reset to start from no fit. Any 2xx will do: what it answers is the /reset tests'
    to judge; another status blocks the test (the model may still be there)."""
    response = client.get("/reset")
    expect.judged(response)
    if not 200 <= response.status_code < 300:
        raise Blocked(
            "GET /reset",
            f"it answered {response.status_code}, so the test cannot "
            "start from no fit (the /reset tests say why)",
        )


def test_plot_before_any_fit_is_400(client: httpx.Client) -> None:
    reset(client)
    response = client.get("/plot")
    # after a /reset: unlike the server's own start-up answer, the mistake is /reset's
    with judged_after_reset(response, ServerModel()):
        expect.check(response, 400, PLOT_BEFORE_FIT)


def test_plot_shows_residuals_against_fitted_values(client: httpx.Client) -> None:
    # 104 rows: a plot of only the first (or last) 100 misses a whole column of markers
    data = residual_grid()
    reset(client)
    answer = fit_answer(client, data)
    check_residual_plot(client.get("/plot"), data, answer)


def test_plot_shows_the_latest_fit(client: httpx.Client) -> None:
    # Metamorphic: fit the same X with y' = fitted + k * residual (the fitted values stay,
    # so the markers may move only up or down), then refit, without a /reset, with
    # y'' = y' + c * X[:, j] (the residuals stay, so the markers may move only sideways).
    # A plot that does not follow is not drawn from the latest fit.
    data = residual_grid()
    flipped = residuals_scaled(data, least_squares(data.X, data.y), RESIDUALS_TIMES)
    shifted = fitted_shifted(flipped, SHIFTED_COLUMN, SHIFT)
    reset(client)
    answer = fit_answer(client, data)
    first = client.get("/plot")
    # a /reset between: a /fit that kept the earlier rows is the /fit tests' to find
    reset(client)
    flipped_answer = fit_answer(client, flipped)
    second = client.get("/plot")
    with blocked_by_fit(flipped_answer, flipped):
        _changed(second, first)
    try:
        check_residual_plot(first, data, answer)
    except expect.LectureMismatch:
        raise Blocked(
            "test_plot_shows_residuals_against_fitted_values",
            "the first plot does "
            "not show the residuals against the fitted values, so how it follows a refit "
            "cannot be judged",
        ) from None
    after = (
        f"after fitting the same X with y' = fitted {RESIDUALS_TIMES:+g} * residual (the "
        "fitted values stay, the residuals flip and double: the markers move only up or "
        "down): "
    )
    check_residual_plot(second, flipped, flipped_answer, after=after)
    shifted_answer = fit_answer(client, shifted)
    third = client.get("/plot")
    with blocked_by_fit(shifted_answer, shifted):
        _changed(third, second)
    if states_least_squares(shifted_answer, shifted):  # else /fit kept more than these rows
        after = (
            f"after refitting with y'' = y' + {SHIFT:g} * X[:, {SHIFTED_COLUMN}] (the residuals "
            "stay, the fitted values move: the markers move only sideways): "
        )
        check_residual_plot(third, shifted, shifted_answer, after=after)


def test_plot_shows_the_fit_and_nothing_else(client: httpx.Client) -> None:
    # The lecture's /plot draws the current fit only: predictions and /coefs between two plots
    # of one fit change nothing in it (its code draws the same bytes every time).
    data = residual_grid()
    reset(client)
    fit_answer(client, data)
    images = Images()
    first = client.get("/plot")
    if images.check("the fit", first) is not None:
        raise Blocked(
            "test_plot_shows_residuals_against_fitted_values",
            "the first plot is not a PNG, so whether it changes cannot be judged",
        )
    far = [[1000.0, -1000.0], [-250.5, 400.0], [0.0, 0.0]]
    expect.judged(client.post("/predict", json={"X": far}))  # /predict's answer: its own tests
    expect.judged(client.get("/coefs"))
    second = client.get("/plot")
    problem = images.check("the fit", second)
    if problem is not None:
        raise problem.error(second)


def _changed(plot: httpx.Response, before: httpx.Response) -> None:
    """A 200 whose bytes are not those of the plot before the last /fit."""
    expect.check(plot, 200)
    if plot.content == before.content:
        raise expect.fail(
            plot,
            expected="a new residuals plot after fitting other data",
            got="the same PNG bytes as the plot before the last /fit",
            where="$.body: unchanged (is the plot drawn from the latest fit?)",
        )
