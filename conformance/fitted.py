"""The model a server says it fitted: what its dependent endpoints are judged against.

The lecture's ``/coefs`` answers ``get_coef()``, the same body ``/fit`` answered; ``/predict``
and ``/plot`` use the model ``/fit`` fitted. So a server whose fit is wrong (a regularised
model, no intercept) is judged wrong once, by ``/fit``'s rule, and its ``/coefs``,
``/predict`` and ``/plot`` are judged against its own fit: right when they use it. Where a
``/fit`` answer does not say what was fitted (no coefficients in it), the lecture's least
squares stands in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from conformance import expect, rules
from conformance.matchers import Close, close_all, close_numbers
from conformance.regression import Dataset, Fit, fit_of, least_squares
from conformance.strategies import prediction_tolerance
from conformance.transport import context_of

NOT_FITTED = {"intercept": None, "coef": None}
"""What ``/coefs`` answers before any fit and after ``/reset``."""

PLOT_BEFORE_FIT = {"detail": "Model has not been fitted yet"}
"""What ``/plot`` answers (with 400) before any fit and after ``/reset``."""


def coefs_of(fit: Fit) -> dict[str, Any]:
    """The /fit and /coefs body for ``fit``: 1e-6 relative, 1e-9 absolute (as the cases)."""
    return {"intercept": Close(fit.intercept), "coef": close_all(fit.coef)}


def predictions_of(fit: Fit, X: list[list[float]]) -> dict[str, Any]:
    """The /predict body for ``fit`` and ``X``, each value within its row's slack."""
    y_hat = fit.predict(X)
    return {
        "y_hat": [Close(v, abs=prediction_tolerance(row)) for v, row in zip(y_hat, X, strict=True)]
    }


@dataclass
class ServerModel:
    """What the server under test holds, followed from its own answers."""

    data: Dataset | None = None
    """The data of the last fit it answered 200 to (None: never fitted, or reset)."""
    answer: Any = None
    """Its answer to that fit."""
    before_reset: Any = None
    """Its answer to the last fit before the last /reset (a /coefs that still answers it
    after the reset shows that /reset kept the model)."""

    @property
    def fit(self) -> Fit | None:
        """The model it fitted: its own coefficients, else the lecture's least squares."""
        if self.data is None:
            return None
        columns = len(self.data.X[0]) if self.data.X else 0
        own = fit_of(self.answer, columns)
        return own if own is not None else least_squares(self.data.X, self.data.y)

    def fitted(self, data: Dataset, answer: Any) -> None:
        self.data, self.answer = data, answer

    def reset(self) -> None:
        if self.data is not None:
            self.before_reset = self.answer
        self.data, self.answer = None, None

    def coefs(self) -> Any:
        """What /coefs must answer: nulls before a fit, else what /fit answered (when that
        has the lecture's keys), else the lecture's coefficients of the data."""
        if self.data is None:
            return NOT_FITTED
        if isinstance(self.answer, dict) and {"intercept", "coef"} <= set(self.answer):
            return close_numbers(self.answer)  # its own answer, within the fit tolerance
        fit = self.fit
        assert fit is not None
        return coefs_of(fit)

    def predictions(self, X: list[list[float]]) -> dict[str, Any]:
        """What /predict answers for ``X``: the predictions of the server's own fit."""
        fit = self.fit
        if fit is None:
            raise RuntimeError("no fit to predict from")
        return predictions_of(fit, X)

    def lecture_predictions(self, X: list[list[float]]) -> dict[str, Any] | None:
        """The predictions of the lecture's least squares of the same data (a server that
        rounds the coefficients it shows still predicts with the ones it fitted)."""
        if self.data is None:
            return None
        return predictions_of(least_squares(self.data.X, self.data.y), X)

    def check_predict(self, response: httpx.Response, X: list[list[float]]) -> None:
        """A /predict answer: the server's own fit's predictions, or the lecture's."""
        try:
            expect.check(response, 200, self.predictions(X))
        except expect.LectureMismatch as own:
            lecture = self.lecture_predictions(X)
            if lecture is not None and expect.matches(response, 200, lecture):
                return
            raise own from None

    def stale(self, answer: Any) -> bool:
        """Whether ``answer`` (to /coefs, after a /reset) is the fit the reset should have
        forgotten."""
        return self.data is None and self.before_reset is not None and answer == self.before_reset


def fit(client: httpx.Client, data: Dataset, model: ServerModel | None = None) -> Fit:
    """Fit ``data`` as a set-up request (see :mod:`conformance.prerequisite`): the model the
    server fitted, judged against by what depends on it."""
    from conformance.prerequisite import answered

    answer = answered(client.post("/fit", json=data.body()))
    model = model or ServerModel()
    model.fitted(data, answer)
    found = model.fit
    assert found is not None
    return found


def reset(client: httpx.Client, model: ServerModel | None = None) -> None:
    """``/reset`` as a set-up request: the test needs no model."""
    from conformance.prerequisite import answered

    answered(client.get("/reset"), json=False)
    if model is not None:
        model.reset()


def reset_then_fit(client: httpx.Client, *fits: Dataset) -> ServerModel:
    """``/reset``, then a ``/fit`` of each of ``fits``, as set-up requests: the model the
    server then holds."""
    model = ServerModel()
    reset(client, model)
    for data in fits:
        fit(client, data, model)
    return model


def check_predictions(client: httpx.Client, model: ServerModel, X: list[list[float]]) -> None:
    """``POST /predict`` of ``X``, judged: the predictions of ``model``, the server's own fit
    (or the lecture's, see :meth:`ServerModel.check_predict`)."""
    model.check_predict(client.post("/predict", json={"X": X}), X)


def check_forgotten(client: httpx.Client, model: ServerModel, *, plot: bool = True) -> None:
    """After a /reset: /coefs answers nulls and (``plot``) /plot 400, as at start-up."""
    response = client.get("/coefs")
    with judged_after_reset(response, model):
        expect.check(response, 200, NOT_FITTED)
    if plot:
        picture = client.get("/plot")
        with judged_after_reset(picture, model):
            expect.check(picture, 400, PLOT_BEFORE_FIT)


@contextmanager
def judged_after_reset(response: httpx.Response, model: ServerModel) -> Iterator[None]:
    """Checks of an answer after /reset, charged to the right rule.

    An answer that differs from the lecture's is /reset's mistake when the reset did not bring
    back what the server answered at start-up (a /coefs that still answers the forgotten fit,
    a /plot that still draws it, or now crashes); it is the endpoint's own mistake when the
    server answered the same at start-up (or, start-up unknown, when it is not stale)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    at_startup = _as_at_startup(response)
    if at_startup is None:  # start-up unknown: a fitted model still there is /reset's
        drawn = response.request.url.path == "/plot" and response.status_code == 200
        fitted = isinstance(body, dict) and _fitted(body)
        resets_fault = model.stale(body) or drawn or fitted
    else:
        resets_fault = not at_startup
    if resets_fault:
        with expect.judging("GET /reset", "values"):
            yield
    else:
        yield


def _fitted(body: dict[str, Any]) -> bool:
    """Whether a /coefs answer shows a fitted model (an intercept and some coefficients)."""
    coef = body.get("coef")
    return isinstance(coef, list) and bool(coef) and fit_of(body, len(coef)) is not None


def _as_at_startup(response: httpx.Response) -> bool | None:
    """Whether ``response`` is what the server answered the same operation at start-up; None
    when that is unknown (the suite saw no answer of it before the first change of state)."""
    request = response.request
    operation = rules.operation_of(request.method, request.url.path)
    first = context_of(response).startup.get(operation or "")
    if first is None:
        return None
    status, content = first
    if status != response.status_code:
        return False
    try:
        return bool(json.loads(content) == response.json())
    except ValueError:
        return content == response.content[:4096]
