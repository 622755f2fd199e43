"""The checks of what a /plot answer shows, as the suite's tests call them.

:func:`check_residual_plot` reads the PNG (:mod:`conformance.plotread`) and judges it against
the fit the server itself answered (:mod:`conformance.residualplot`), then least squares; a
failure shows the request, what the plot should show, what was found and where it differs.
A wrong fit is the /fit tests' to judge: when the server's own fit crowds the points too much
to read them, or the server refuses to fit the plot's data, the plot test is blocked (skipped
with the reason), not failed a second time.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conformance import expect, plotread, residualplot
from conformance.regression import Dataset
from conformance.residuals import Residuals, fits_to_judge_by
from conformance.transcript import check_png


def fit_answer(client: httpx.Client, data: Dataset) -> Any:
    """POST /fit with ``data``: the JSON it answers (None if it is not JSON). A fit the server
    refuses blocks the test: the /fit tests judge that."""
    response = client.post("/fit", json=data.body())
    expect.judged(response)
    if response.status_code != 200:
        pytest.skip(
            f"blocked by POST /fit: it answered {response.status_code} to the plot's training "
            "data, so there is no fit to plot (the /fit tests say why)"
        )
    try:
        return response.json()
    except ValueError:
        return None


def check_residual_plot(
    response: httpx.Response, data: Dataset, answer: Any, *, after: str = ""
) -> residualplot.Reading:
    """The plot shows the residuals of ``data`` against its fitted values under the fit the
    server answered (``answer``, its /fit JSON) or least squares; else a readable failure.
    ``after`` says what changed since an earlier plot, for the message."""
    check_png(response)
    fits = fits_to_judge_by(data, answer)
    readable = [fit for fit in fits if fit.readable()]
    if not readable:
        pytest.skip("blocked by POST /fit: its fit puts the rows' points too close to read")
    try:
        picture = plotread.read(response.content)
    except plotread.Unreadable as error:
        raise expect.fail(
            response, expected=expected(readable[0], after), where=f"$.body: {error}"
        ) from None
    reading = residualplot.judge(picture, readable)
    if reading.passed:
        return reading
    if len(readable) < len(fits):
        pytest.skip(
            "blocked by POST /fit: the coefficients it answered put the rows' points too close "
            "together to read the plot, and the plot is not least squares' either"
        )
    got = (
        f"{expect.describe_response(response)}: a {picture.width}x{picture.height} picture, "
        f"{reading.found()}"
    )
    raise expect.fail(
        response,
        expected=expected(reading.residuals, after),
        got=got,
        where=f"$.body (the image): {reading.problem}",
    )


def expected(residuals: Residuals, after: str = "") -> str:
    """What the plot should show, in a sentence."""
    fit = residuals.fit
    coef = ", ".join(f"{c:.6g}" for c in fit.coef)
    return (
        f"{after}the residuals of the {len(residuals.data.y)} rows just fitted against their "
        f"fitted values ({residuals.source}: intercept {fit.intercept:.6g}, coef [{coef}]): "
        "each row's marker across at its fitted value and up at its residual y - fitted, one "
        "scale per axis, and a horizontal line at residual 0"
    )
