"""ex2 properties: the model API agrees with ordinary least squares on any well-conditioned data.

The suite fits its own least-squares model (numpy, :mod:`conformance.regression`) to the same
data and compares within tolerances every correct solver meets. Only requests the lecture's
code answers are sent: /predict only after a successful /fit (before it, the lecture's code
crashes: that is the robust tier's business).
"""

from typing import Any

import httpx
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from conformance import expect, profiles, stateful
from conformance import strategies as gen
from conformance.matchers import Close, close_all
from conformance.regression import Dataset, Fit, least_squares
from conformance.stateful import ClientMachine
from conformance.transcript import check_png

pytestmark = pytest.mark.ex2

NOT_FITTED = {"intercept": None, "coef": None}
PLOT_BEFORE_FIT = {"detail": "Model has not been fitted yet"}


def coefs_of(fit: Fit) -> dict[str, Any]:
    """The /fit and /coefs body for ``fit``: 1e-6 relative, 1e-9 absolute (as the cases)."""
    return {"intercept": Close(fit.intercept), "coef": close_all(fit.coef)}


def predictions_of(fit: Fit, X: list[list[float]]) -> dict[str, Any]:
    y_hat = fit.predict(X)
    return {
        "y_hat": [
            Close(v, abs=gen.prediction_tolerance(row)) for v, row in zip(y_hat, X, strict=True)
        ]
    }


def fit_on_server(client: httpx.Client, data: Dataset) -> Fit:
    fit = least_squares(data.X, data.y)
    expect.check(client.post("/fit", json=data.body()), 200, coefs_of(fit))
    return fit


@pytest.mark.slide("Fitting the model")
@profiles.suite_settings(share=0.5)
@given(data=gen.datasets())
def test_fit_is_least_squares_for_any_well_conditioned_data(
    client: httpx.Client, data: Dataset
) -> None:
    note(f"X = {data.X}, y = {data.y}")
    fit = fit_on_server(client, data)
    expect.check(client.get("/coefs"), 200, coefs_of(fit))


@pytest.mark.slide("Predicting from the model")
@profiles.suite_settings(share=0.5)
@given(st.data())
def test_predict_is_the_fitted_linear_function_of_x(
    client: httpx.Client, data: st.DataObject
) -> None:
    training = data.draw(gen.datasets(), label="training data")
    fit = fit_on_server(client, training)
    X = data.draw(gen.rows(len(fit.coef)), label="X to predict")
    response = client.post("/predict", json={"X": X})
    expect.check(response, 200, predictions_of(fit, X))


class ModelApi(ClientMachine):
    """/fit, /predict, /coefs, /plot and /reset in any order behave like one OLS model."""

    def __init__(self, client: httpx.Client) -> None:
        super().__init__(client)
        self.fit: Fit | None = None
        self.plotted = False

    @initialize()
    def start_from_reset(self) -> None:
        expect.check(self.client.get("/reset"), 200, {})

    @rule(data=gen.datasets())
    def fit_data(self, data: Dataset) -> None:
        self.fit = fit_on_server(self.client, data)
        self.plotted = False

    @precondition(lambda self: self.fit is not None)
    @rule(data=st.data())
    def predict(self, data: st.DataObject) -> None:
        assert self.fit is not None
        X = data.draw(gen.rows(len(self.fit.coef)), label="X")
        response = self.client.post("/predict", json={"X": X})
        expect.check(response, 200, predictions_of(self.fit, X))

    @rule()
    def coefs(self) -> None:
        expected = NOT_FITTED if self.fit is None else coefs_of(self.fit)
        expect.check(self.client.get("/coefs"), 200, expected)

    # A plot takes ~0.1 s to draw: check it once per model, not at every step.
    @precondition(lambda self: not self.plotted)
    @rule()
    def plot(self) -> None:
        response = self.client.get("/plot")
        if self.fit is None:
            expect.check(response, 400, PLOT_BEFORE_FIT)
        else:
            check_png(response)
        self.plotted = True

    @rule()
    def reset(self) -> None:
        expect.check(self.client.get("/reset"), 200, {})
        self.fit = None
        self.plotted = False


@pytest.mark.slide("FastAPI - A model API")
def test_model_api_behaves_like_one_least_squares_model(client: httpx.Client) -> None:
    stateful.run(ModelApi, client)
