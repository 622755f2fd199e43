"""reference_app.ex2 answers a clear 4xx where the lecture's code crashes or corrupts state.

Every bad /fit is a 422 whose error item names where (loc) and what (msg), and leaves the
previous model and its training data exactly as they were (the lecture's code assigns the
training data before fitting, so a failed fit breaks /plot).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from reference_fixtures import live_client, seeded_demo

from reference_app.ex2 import create_app

NOT_FITTED = {"detail": "Model has not been fitted yet"}
JSON = {"content-type": "application/json"}


def raw(text: str) -> bytes:
    """A JSON body as bytes, for what ``json.dumps`` will not write (NaN, 1e309)."""
    return text.encode()


# id: (body, loc of the first error, words its msg must contain)
BAD_FITS: dict[str, tuple[Any, list[Any], list[str]]] = {
    "no-y": ({"X": [[1.0], [2.0]]}, ["body", "y"], ["required", "y"]),
    "y-null": ({"X": [[1.0], [2.0]], "y": None}, ["body", "y"], ["required", "y"]),
    "y-shorter-than-x": (
        {"X": [[1.0], [2.0], [3.0]], "y": [1.0, 2.0]}, ["body", "y"], ["2 values", "3 rows"]),
    "y-longer-than-x": ({"X": [[1.0]], "y": [1.0, 2.0]}, ["body", "y"], ["2 values", "1 row"]),
    "ragged-x": (
        {"X": [[1.0, 2.0], [3.0]], "y": [1.0, 2.0]}, ["body", "X", 1], ["Row 1", "same number"]),
    "empty-x": ({"X": [], "y": []}, ["body", "X"], ["at least 1 row"]),
    "zero-column-x": ({"X": [[], []], "y": [1.0, 2.0]}, ["body", "X", 0], ["at least 1 value"]),
    "x-not-a-matrix": ({"X": [1.0, 2.0], "y": [1.0, 2.0]}, ["body", "X", 0], ["valid list"]),
    "nan-in-x": (raw('{"X": [[1.0], [NaN]], "y": [1, 2]}'), ["body", "X", 1, 0], ["finite"]),
    "infinity-in-x": (raw('{"X": [[1e309]], "y": [1]}'), ["body", "X", 0, 0], ["finite"]),
    "infinity-in-y": (raw('{"X": [[1.0]], "y": [-Infinity]}'), ["body", "y", 0], ["finite"]),
    "boolean-in-y": ({"X": [[1.0]], "y": [False]}, ["body", "y", 0], ["valid number"]),
    "text-in-x": ({"X": [["1"]], "y": [1.0]}, ["body", "X", 0, 0], ["valid number"]),
    "fit-overflows": (
        {"X": [[1e308], [5e307]], "y": [1e308, 0.0]}, ["body"], ["not a finite number"]),
    "mean-of-x-overflows": (
        {"X": [[1e308], [1.7e308], [1e308]], "y": [1, 2, 3]}, ["body"], ["not a finite number"]),
    "mean-of-y-overflows": (
        {"X": [[1], [2], [3]], "y": [1e308, 1.7e308, -1.7e308]}, ["body"], ["not a finite number"]),
}  # fmt: skip


def post(client: httpx.Client, path: str, body: Any) -> httpx.Response:
    """POST ``body`` (a JSON value, or raw bytes sent as JSON)."""
    if isinstance(body, bytes):
        return client.post(path, content=body, headers=JSON)
    return client.post(path, json=body)


def assert_422(r: httpx.Response, loc: list[Any], words: list[str]) -> dict[str, Any]:
    """``r`` is a 422 in FastAPI's format whose first error is at ``loc`` and says ``words``."""
    assert r.status_code == 422, r.text
    error: dict[str, Any] = r.json()["detail"][0]
    assert list(error)[:4] == ["type", "loc", "msg", "input"], error
    assert error["loc"] == loc, error
    for word in words:
        assert word in error["msg"], error
    return error


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A client of a fresh ex2 app (no model) served by uvicorn."""
    with live_client(create_app()) as c:
        yield c


@pytest.fixture
def fitted(client: httpx.Client) -> httpx.Client:
    """``client`` after fitting the lecture's seeded demo."""
    X, y = seeded_demo()
    r = client.post("/fit", json={"X": X.tolist(), "y": y.tolist()})
    assert r.status_code == 200, r.text
    return client


@pytest.mark.parametrize(("body", "loc", "words"), BAD_FITS.values(), ids=BAD_FITS)
def test_fit_bad_data_is_422_and_changes_nothing(
    fitted: httpx.Client, body: Any, loc: list[Any], words: list[str]
) -> None:
    X, _ = seeded_demo()
    coefs, plot = fitted.get("/coefs").json(), fitted.get("/plot")
    y_hat = fitted.post("/predict", json={"X": X.tolist()}).json()

    assert_422(post(fitted, "/fit", body), loc, words)

    assert fitted.get("/coefs").json() == coefs
    after = fitted.get("/plot")
    assert after.status_code == 200, after.text
    assert after.content == plot.content  # drawn from the same training data
    assert fitted.post("/predict", json={"X": X.tolist()}).json() == y_hat


@pytest.mark.parametrize(("body", "loc", "words"), BAD_FITS.values(), ids=BAD_FITS)
def test_fit_bad_data_before_any_fit_leaves_no_model(
    client: httpx.Client, body: Any, loc: list[Any], words: list[str]
) -> None:
    assert_422(post(client, "/fit", body), loc, words)
    assert client.get("/coefs").json() == {"intercept": None, "coef": None}
    r = client.get("/plot")
    assert r.status_code == 400, r.text
    assert r.json() == NOT_FITTED


def test_predict_before_any_fit_is_400(client: httpx.Client) -> None:
    r = client.post("/predict", json={"X": [[1.0, 2.0]]})
    assert r.status_code == 400, r.text
    assert r.json() == NOT_FITTED


def test_predict_wrong_number_of_columns_is_422(fitted: httpx.Client) -> None:
    r = fitted.post("/predict", json={"X": [[1.0, 2.0, 3.0]]})
    error = assert_422(r, ["body", "X"], ["3 columns", "fitted with 5", "5 values"])
    assert error["ctx"] == {"expected": 5, "given": 3}


# id: (body, loc, words)
BAD_PREDICTS: dict[str, tuple[Any, list[Any], list[str]]] = {
    "ragged-x": ({"X": [[1.0] * 5, [1.0] * 4]}, ["body", "X", 1], ["Row 1", "same number"]),
    "empty-x": ({"X": []}, ["body", "X"], ["at least 1 row"]),
    "zero-column-x": ({"X": [[]]}, ["body", "X", 0], ["at least 1 value"]),
    "nan-in-x": (raw('{"X": [[NaN, 1, 1, 1, 1]]}'), ["body", "X", 0, 0], ["finite"]),
    "prediction-overflows": ({"X": [[1e308] * 5]}, ["body", "X", 0], ["not a finite number"]),
}  # fmt: skip


@pytest.mark.parametrize(("body", "loc", "words"), BAD_PREDICTS.values(), ids=BAD_PREDICTS)
def test_predict_bad_data_is_422(
    fitted: httpx.Client, body: Any, loc: list[Any], words: list[str]
) -> None:
    assert_422(post(fitted, "/predict", body), loc, words)


def test_error_inputs_are_echoed_as_json(fitted: httpx.Client) -> None:
    r = post(fitted, "/fit", raw('{"X": [[NaN]], "y": [Infinity]}'))
    assert r.status_code == 422, r.text
    assert [e["input"] for e in r.json()["detail"]] == ["NaN", "Infinity"]
