"""ex2 model API: fit, predict, coefs and reset, against the suite's own least squares.

Each test resets the model first, so no test depends on another or on their order.
"""

from typing import Any

import httpx
import pytest

from conformance import expect
from conformance.matchers import Close, close_all
from conformance.regression import (
    TRUE_COEF,
    Dataset,
    least_squares,
    seeded_demo,
    well_conditioned,
)

pytestmark = [pytest.mark.ex2, pytest.mark.slide("FastAPI - A model API")]

NULL_COEFS = {"intercept": None, "coef": None}

DATASETS = {
    "no-intercept": well_conditioned(seed=1, n=60, p=3),
    "intercept-3.5": well_conditioned(seed=2, n=80, p=4, intercept=3.5),
    "intercept-minus-40": well_conditioned(seed=3, n=50, p=2, intercept=-40.0),
    "one-feature": well_conditioned(seed=4, n=30, p=1, intercept=1.0),
    "eight-features": well_conditioned(seed=5, n=200, p=8, intercept=0.25),
    "exact-fit": Dataset([[0.0], [1.0], [2.0], [3.0]], [1.0, 3.0, 5.0, 7.0]),
}


def coefs_of(data: Dataset) -> dict[str, Any]:
    fit = least_squares(data.X, data.y)
    return {"intercept": Close(fit.intercept), "coef": close_all(fit.coef)}


def reset(client: httpx.Client) -> None:
    expect.check(client.get("/reset"), 200, {})


def fit(client: httpx.Client, data: Dataset) -> None:
    expect.check(client.post("/fit", json=data.body()), 200, coefs_of(data))


@pytest.mark.slide("FastAPI - A model API")
def test_coefs_before_any_fit_are_null(client: httpx.Client) -> None:
    reset(client)
    expect.check(client.get("/coefs"), 200, NULL_COEFS)


@pytest.mark.slide("Fitting the model")
def test_fit_recovers_the_seeded_coefficients(client: httpx.Client) -> None:
    # The demo's y is X @ [5, 0, 0, 3, -2] plus N(0, 0.5) noise on n = 100 rows: each OLS
    # estimate has a standard error of about 0.5 / sqrt(100) = 0.05, so 0.25 (five standard
    # errors) is never missed by a correct fit, while a fit without an intercept, a
    # regularised one or one on the wrong columns misses it.
    reset(client)
    demo = seeded_demo()
    expect.check(client.post("/fit", json=demo.body()), 200)
    response = client.get("/coefs")
    expected = {
        "intercept": Close(0.0, rel=0, abs=0.25),
        "coef": [Close(c, 0, 0.25) for c in TRUE_COEF],
    }
    expect.check(response, 200, expected)


@pytest.mark.slide("Fitting the model")
@pytest.mark.parametrize("data", DATASETS.values(), ids=DATASETS.keys())
def test_fit_is_ordinary_least_squares(client: httpx.Client, data: Dataset) -> None:
    reset(client)
    fit(client, data)
    expect.check(client.get("/coefs"), 200, coefs_of(data))


@pytest.mark.slide("Fitting the model")
def test_fit_again_replaces_the_model(client: httpx.Client) -> None:
    reset(client)
    first, second = DATASETS["no-intercept"], DATASETS["intercept-3.5"]
    fit(client, first)
    fit(client, second)
    expect.check(client.get("/coefs"), 200, coefs_of(second))


@pytest.mark.slide("Predicting from the model")
@pytest.mark.parametrize("rows", [1, 7, 100])
def test_predict_uses_the_x_it_is_given(client: httpx.Client, rows: int) -> None:
    reset(client)
    train = DATASETS["intercept-3.5"]
    fit(client, train)
    new_x = well_conditioned(seed=rows, n=rows, p=4).X
    model = least_squares(train.X, train.y)
    response = client.post("/predict", json={"X": new_x})
    expect.check(response, 200, {"y_hat": close_all(model.predict(new_x), rel=1e-6, abs=1e-7)})


@pytest.mark.slide("Predicting from the model")
def test_predict_follows_the_latest_fit(client: httpx.Client) -> None:
    reset(client)
    fit(client, DATASETS["no-intercept"])
    fit(client, DATASETS["intercept-minus-40"])
    x = [[1.0, 2.0], [-3.0, 0.5]]
    model = least_squares(DATASETS["intercept-minus-40"].X, DATASETS["intercept-minus-40"].y)
    expected = {"y_hat": close_all(model.predict(x), rel=1e-6, abs=1e-7)}
    expect.check(client.post("/predict", json={"X": x}), 200, expected)


@pytest.mark.slide("Predicting from the model")
def test_coefs_equal_the_last_fit(client: httpx.Client) -> None:
    reset(client)
    data = DATASETS["eight-features"]
    fitted = expect.check(client.post("/fit", json=data.body()), 200, coefs_of(data))
    again = {
        "intercept": Close(fitted["intercept"], 1e-12),
        "coef": close_all(fitted["coef"], 1e-12),
    }
    expect.check(client.get("/coefs"), 200, again)


def test_reset_answers_an_empty_object(client: httpx.Client) -> None:
    fit(client, DATASETS["one-feature"])
    expect.check(client.get("/reset"), 200, {})


def test_reset_forgets_the_model(client: httpx.Client) -> None:
    reset(client)
    fit(client, DATASETS["one-feature"])
    reset(client)
    expect.check(client.get("/coefs"), 200, NULL_COEFS)
    expect.check(client.get("/plot"), 400, {"detail": "Model has not been fitted yet"})


def test_reset_twice_is_fine(client: httpx.Client) -> None:
    reset(client)
    reset(client)
    expect.check(client.get("/coefs"), 200, NULL_COEFS)


def test_fit_after_reset_works(client: httpx.Client) -> None:
    reset(client)
    fit(client, DATASETS["no-intercept"])
    reset(client)
    fit(client, DATASETS["intercept-3.5"])
    expect.check(client.get("/coefs"), 200, coefs_of(DATASETS["intercept-3.5"]))
