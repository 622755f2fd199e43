"""The checks of what a /plot answer shows, as the suite's tests call them.

:func:`check_residual_plot` reads the PNG (:mod:`conformance.plotread`) and judges it against
the fit the server itself answered (:mod:`conformance.residualplot`), then least squares; a
failure shows the request, what the plot should show, what was found and where it differs.
One mistake fails one test: a plot test is blocked (skipped, with the reason) instead of
failed when the fault may be another rule's: the server refuses to fit the plot's data, its
/fit answer states no usable coefficients, or coefficients that crowd the points too close to
read (the /fit tests judge those), or the answer is not a PNG at all (the documented
``plot-is-png`` case judges that).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from conformance import expect, plotread, residualplot
from conformance.prerequisite import Blocked
from conformance.regression import Dataset
from conformance.residualplot import Reading
from conformance.residuals import Residuals, answered_fit, fits_to_judge_by
from conformance.transcript import PNG_SIGNATURE, check_png


def fit_answer(client: httpx.Client, data: Dataset) -> Any:
    """POST /fit with ``data``: the JSON it answers (None if it is not JSON). A fit the server
    refuses blocks the test: the /fit tests judge that."""
    response = client.post("/fit", json=data.body())
    expect.judged(response)
    if response.status_code != 200:
        raise Blocked(
            "POST /fit",
            f"it answered {response.status_code} to the plot's training "
            "data, so there is no fit to plot (the /fit tests say why)",
        )
    try:
        return response.json()
    except ValueError:
        return None


@contextmanager
def blocked_by_fit(answer: Any, data: Dataset) -> Iterator[None]:
    """A check of the plot inside is skipped as blocked, not failed, when the server's /fit
    answer for ``data`` states no usable coefficients: the plot may be wrong only because the
    fit is (the /fit tests judge that), unless it is least squares' plot after all."""
    try:
        yield
    except expect.LectureMismatch:
        if answered_fit(answer, len(data.X[0])) is None:
            raise Blocked(
                "POST /fit",
                "its answer states no coefficients for the plot's "
                "training data (the /fit tests say why), and the plot is not least squares'",
            ) from None
        raise


def check_residual_plot(
    response: httpx.Response, data: Dataset, answer: Any, *, after: str = ""
) -> residualplot.Reading:
    """The plot shows the residuals of ``data`` against its fitted values under the fit the
    server answered (``answer``, its /fit JSON) or least squares; else a readable failure.
    ``after`` says what changed since an earlier plot, for the message.

    Blocked (skipped) instead of failed when the plot is wrong and /fit is to blame as much:
    its answer states no usable coefficients for these data, or coefficients that crowd the
    rows' points too close together to read them."""
    with blocked_by_fit(answer, data):
        return _check(response, data, answer, after)


def _check(response: httpx.Response, data: Dataset, answer: Any, after: str) -> Reading:
    _blocked_if_not_png(response)
    check_png(response)
    fits = fits_to_judge_by(data, answer)
    readable = [fit for fit in fits if fit.readable()] or fits
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
        raise Blocked(
            "POST /fit",
            "the coefficients it answered put the rows' points too close "
            "together to read the plot, and the plot is not least squares' either",
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


def _blocked_if_not_png(response: httpx.Response) -> None:
    """A 200 that is not a PNG at all is the format rule's (test_documented[plot-is-png]
    fails it for every plot): what it shows is not judged a second time."""
    expect.judged(response)
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if response.status_code == 200 and (
        ctype != "image/png" or not response.content.startswith(PNG_SIGNATURE)
    ):
        raise Blocked(
            "GET /plot",
            "the plot is not a PNG image "
            f"(content-type {ctype or '(none)'!r}, starting {response.content[:8]!r}), so "
            "what it shows cannot be read (its media rule is judged by its own checks)",
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
