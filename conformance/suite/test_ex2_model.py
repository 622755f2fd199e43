"""ex2 model API: fit, predict, coefs and reset.

Each test resets the model first, so no test depends on another or on their order. A /fit
answer is judged against the suite's own least squares; what depends on the fit (/coefs,
/predict) against the server's own fit (:mod:`conformance.fitted`), so a wrong fit costs the
fit's rule once. Requests that only set up the state a test judges are held to what the test
needs (:mod:`conformance.prerequisite`): a test whose set-up fails is blocked, not failed.
"""

import httpx
import pytest

from conformance import expect
from conformance.fitted import (
    ServerModel,
    check_forgotten,
    check_predictions,
    coefs_of,
    fit,
    reset,
    reset_then_fit,
)
from conformance.matchers import Close
from conformance.regression import TRUE_COEF, Dataset, least_squares, seeded_demo, well_conditioned

pytestmark = [pytest.mark.ex2, pytest.mark.slide("FastAPI - A model API")]

DATASETS = {
    "no-intercept": well_conditioned(seed=1, n=60, p=3),
    "intercept-3.5": well_conditioned(seed=2, n=80, p=4, intercept=3.5),
    "intercept-minus-40": well_conditioned(seed=3, n=50, p=2, intercept=-40.0),
    "one-feature": well_conditioned(seed=4, n=30, p=1, intercept=1.0),
    "eight-features": well_conditioned(seed=5, n=200, p=8, intercept=0.25),
    "exact-fit": Dataset([[0.0], [1.0], [2.0], [3.0]], [1.0, 3.0, 5.0, 7.0]),
}


def check_fit(client: httpx.Client, data: Dataset, model: ServerModel) -> None:
    """POST /fit, judged: it answers the least-squares coefficients of ``data``."""
    response = client.post("/fit", json=data.body())
    answer = expect.check(response, 200, coefs_of(least_squares(data.X, data.y)))
    model.fitted(data, answer)


@pytest.mark.slide("FastAPI - A model API")
def test_coefs_before_any_fit_are_null(client: httpx.Client) -> None:
    model = ServerModel()
    fit(client, DATASETS["one-feature"], model)
    reset(client, model)
    check_forgotten(client, model)


@pytest.mark.slide("Fitting the model")
def test_fit_recovers_the_seeded_coefficients(client: httpx.Client) -> None:
    # The demo's y is X @ [5, 0, 0, 3, -2] plus N(0, 0.5) noise on n = 100 rows: each OLS
    # estimate has a standard error of about 0.5 / sqrt(100) = 0.05, so 0.25 (five standard
    # errors) is never missed by a correct fit, while a fit without an intercept, a
    # regularised one or one on the wrong columns misses it.
    reset(client)
    demo = seeded_demo()
    expected = {
        "intercept": Close(0.0, rel=0, abs=0.25),
        "coef": [Close(c, 0, 0.25) for c in TRUE_COEF],
    }
    expect.check(client.post("/fit", json=demo.body()), 200, expected)


@pytest.mark.slide("Fitting the model")
@pytest.mark.parametrize("data", DATASETS.values(), ids=DATASETS.keys())
def test_fit_is_ordinary_least_squares(client: httpx.Client, data: Dataset) -> None:
    reset(client)
    check_fit(client, data, ServerModel())


@pytest.mark.slide("Fitting the model")
def test_fit_again_replaces_the_model(client: httpx.Client) -> None:
    model = reset_then_fit(client, DATASETS["no-intercept"])
    check_fit(client, DATASETS["intercept-3.5"], model)
    expect.check(client.get("/coefs"), 200, model.coefs())


@pytest.mark.slide("Predicting from the model")
@pytest.mark.parametrize("rows", [1, 7, 100])
def test_predict_uses_the_x_it_is_given(client: httpx.Client, rows: int) -> None:
    model = reset_then_fit(client, DATASETS["intercept-3.5"])
    check_predictions(client, model, well_conditioned(seed=rows, n=rows, p=4).X)


@pytest.mark.slide("Predicting from the model")
def test_predict_follows_the_latest_fit(client: httpx.Client) -> None:
    model = reset_then_fit(client, DATASETS["no-intercept"], DATASETS["intercept-minus-40"])
    check_predictions(client, model, [[1.0, 2.0], [-3.0, 0.5]])


@pytest.mark.slide("Predicting from the model")
def test_coefs_equal_the_last_fit(client: httpx.Client) -> None:
    model = reset_then_fit(client, DATASETS["eight-features"])
    expect.check(client.get("/coefs"), 200, model.coefs())


def test_reset_answers_an_empty_object(client: httpx.Client) -> None:
    fit(client, DATASETS["one-feature"])
    expect.check(client.get("/reset"), 200, {})


def test_reset_forgets_the_model(client: httpx.Client) -> None:
    model = reset_then_fit(client, DATASETS["one-feature"])
    expect.check(client.get("/reset"), 200, {})
    model.reset()
    check_forgotten(client, model)


def test_reset_twice_is_fine(client: httpx.Client) -> None:
    model = ServerModel()
    fit(client, DATASETS["one-feature"], model)
    reset(client, model)
    expect.check(client.get("/reset"), 200, {})
    check_forgotten(client, model, plot=False)


def test_fit_after_reset_works(client: httpx.Client) -> None:
    model = reset_then_fit(client, DATASETS["no-intercept"])
    reset(client, model)
    check_fit(client, DATASETS["intercept-3.5"], model)
    expect.check(client.get("/coefs"), 200, model.coefs())
