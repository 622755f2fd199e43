"""ex2 properties: the model API agrees with ordinary least squares on any well-conditioned data.

The suite fits its own least-squares model (numpy, :mod:`conformance.regression`) to the same
data and compares a /fit answer with it, within tolerances every correct solver meets; what
depends on the fit (/coefs, /predict) is judged against the server's own fit
(:mod:`conformance.fitted`). Only requests the lecture's code answers are sent: /predict only
after a successful /fit (before it, the lecture's code crashes: that is the robust tier's
business).

Every property starts from fixed examples chosen to expose the known kinds of mistake (an
intercept, a single column, an exact fit that a regularised model shrinks, a single row to
predict, rows unlike the training data), so whether a mistake is found never depends on the
seed.
"""

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from conformance import expect, profiles, stateful
from conformance import strategies as gen
from conformance.fitted import (
    PLOT_BEFORE_FIT,
    ServerModel,
    check_forgotten,
    check_predictions,
    coefs_of,
    fit,
    judged_after_reset,
)
from conformance.regression import EXACT_FIT, LARGE_VALUES, WIDE, Dataset, least_squares
from conformance.stateful import ClientMachine
from conformance.transcript import check_png

pytestmark = pytest.mark.ex2

EXACT, WIDE, LARGE = EXACT_FIT, WIDE, LARGE_VALUES

MAX_COLUMNS = 5
"""The widest data the strategies draw (``gen.datasets``)."""

VALUE = st.floats(-1000, 1000, allow_nan=False).map(lambda v: round(v, 6))
PREDICT_X = st.lists(
    st.lists(VALUE, min_size=MAX_COLUMNS, max_size=MAX_COLUMNS), min_size=1, max_size=5
)
"""Rows to predict, cut to the width of the fit (so fixed examples can give them)."""


def check_fit(client: httpx.Client, data: Dataset, model: ServerModel) -> None:
    """POST /fit, judged: it answers the least-squares coefficients of ``data``."""
    response = client.post("/fit", json=data.body())
    answer = expect.check(response, 200, coefs_of(least_squares(data.X, data.y)))
    model.fitted(data, answer)


@pytest.mark.slide("Fitting the model")
@profiles.suite_settings(share=0.5)
@given(data=gen.datasets())
@example(data=EXACT)
@example(data=WIDE)
@example(data=LARGE)
def test_fit_is_least_squares_for_any_well_conditioned_data(
    client: httpx.Client, data: Dataset
) -> None:
    model = ServerModel()
    check_fit(client, data, model)
    expect.check(client.get("/coefs"), 200, model.coefs())


@pytest.mark.slide("Predicting from the model")
@profiles.suite_settings(share=0.5)
@given(training=gen.datasets(), rows=PREDICT_X)
@example(training=EXACT, rows=[[10.0] * MAX_COLUMNS])
@example(training=WIDE, rows=[[1.0, -2.0, 3.0, -4.0, 5.0], [0.0] * MAX_COLUMNS])
def test_predict_is_the_fitted_linear_function_of_x(
    client: httpx.Client, training: Dataset, rows: list[list[float]]
) -> None:
    model = ServerModel()
    fit(client, training, model)
    X = [row[: len(training.X[0])] for row in rows]
    check_predictions(client, model, X)


class ModelApi(ClientMachine):
    """/fit, /predict, /coefs, /plot and /reset in any order behave like one OLS model.

    Every run starts with the same tour of the API (fit, predict, coefs, a refit, reset, and
    what a reset model answers), then goes on at random."""

    def __init__(self, client: httpx.Client) -> None:
        super().__init__(client)
        self.model = ServerModel()
        self.plotted = False

    @initialize()
    def start_with_a_tour(self) -> None:
        self.reset()
        self.fit_data(WIDE)
        self.predict_rows([[1.0, -2.0, 3.0, -4.0, 5.0]])
        self.coefs()
        self.fit_data(EXACT)
        self.predict_rows([[10.0]])
        self.reset()
        self.coefs()
        self.plot()

    @rule(data=gen.datasets())
    def fit_data(self, data: Dataset) -> None:
        check_fit(self.client, data, self.model)
        self.plotted = False

    @precondition(lambda self: self.model.data is not None)
    @rule(rows=PREDICT_X)
    def predict(self, rows: list[list[float]]) -> None:
        assert self.model.data is not None
        self.predict_rows([row[: len(self.model.data.X[0])] for row in rows])

    def predict_rows(self, X: list[list[float]]) -> None:
        response = self.client.post("/predict", json={"X": X})
        self.model.check_predict(response, X)

    @rule()
    def coefs(self) -> None:
        if self.model.data is None:
            check_forgotten(self.client, self.model, plot=False)
        else:
            expect.check(self.client.get("/coefs"), 200, self.model.coefs())

    # A plot takes ~0.1 s to draw: check it once per model, not at every step.
    @precondition(lambda self: not self.plotted)
    @rule()
    def plot(self) -> None:
        if self.model.data is None:
            response = self.client.get("/plot")
            with judged_after_reset(response, self.model):
                expect.check(response, 400, PLOT_BEFORE_FIT)
        else:
            check_png(self.client.get("/plot"))
        self.plotted = True

    @rule()
    def reset(self) -> None:
        expect.check(self.client.get("/reset"), 200, {})
        self.model.reset()
        self.plotted = False


@pytest.mark.slide("FastAPI - A model API")
def test_model_api_behaves_like_one_least_squares_model(client: httpx.Client) -> None:
    stateful.run(ModelApi, client)
