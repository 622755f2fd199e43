"""ex2, robust tier: bad bodies are refused with a 4xx, and a refused request changes nothing.

The lecture's own code answers 500 to most of these (and a failed /fit leaves half a model
behind); a failure here is a robustness finding, not a failure to follow the lecture. Any 4xx
with a JSON ``detail`` is accepted: a server may pick 400 or 422.
"""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance import expect
from conformance.expect import check_refused
from conformance.fitted import NOT_FITTED, ServerModel, fit, reset
from conformance.regression import well_conditioned
from conformance.schema import CLOSE
from conformance.transcript import check_png

pytestmark = [pytest.mark.ex2, pytest.mark.robust]

GOOD = well_conditioned(seed=7, n=12, p=2, intercept=1.0)

BAD_FITS = {
    "no-y": {"X": [[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]},
    "y-null": {"X": [[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], "y": None},
    "y-too-short": {"X": [[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], "y": [1.0, 2.0]},
    "ragged-x": {"X": [[1.0, 2.0], [3.0]], "y": [1.0, 2.0]},
    "no-rows": {"X": [], "y": []},
    "no-columns": {"X": [[], []], "y": [1.0, 2.0]},
}
# JSON has no NaN or Infinity, but Python's json module (and so FastAPI) reads them.
BAD_FIT_TEXTS = {
    "nan-in-x": '{"X": [[1.0], [NaN], [3.0]], "y": [1.0, 2.0, 3.0]}',
    "infinity-in-y": '{"X": [[1.0], [2.0], [3.0]], "y": [1.0, Infinity, 3.0]}',
}
BAD_PREDICTS = {
    "too-many-columns": {"X": [[1.0, 2.0, 3.0]]},
    "too-few-columns": {"X": [[1.0]]},
    "ragged-x": {"X": [[1.0, 2.0], [3.0]]},
    "no-rows": {"X": []},
    "no-columns": {"X": [[]]},
}
BAD_PREDICT_TEXTS = {
    "nan-in-x": '{"X": [[NaN, 1.0]]}',
    "overflows-to-infinity": '{"X": [[1e308, 1e308]]}',
}


def post_text(client: httpx.Client, path: str, content: str) -> httpx.Response:
    return client.post(path, content=content, headers={"content-type": "application/json", **CLOSE})


def fit_good(client: httpx.Client) -> Any:
    """Reset, then fit GOOD (set-up requests, see conformance.prerequisite): what /coefs must
    answer now, the server's own fit."""
    model = ServerModel()
    reset(client, model)
    fit(client, GOOD, model)
    return model.coefs()


def check_model_kept(client: httpx.Client, before: Any) -> None:
    """/coefs and /plot answer as they did before the refused /fit: a refused request that
    changed the model breaks the refusal's rule, whatever endpoint shows it."""
    with expect.judging("POST /fit", "refusal"):
        expect.check(client.get("/coefs"), 200, before)
        if before == NOT_FITTED:
            expect.check(client.get("/plot"), 400)
        else:
            check_png(client.get("/plot"))


def refused_fit_keeps_the_model(client: httpx.Client, send: Callable[[], httpx.Response]) -> None:
    """Refused after a good fit (the model stays) and after /reset (there stays none)."""
    for fitted in (True, False):
        if fitted:
            before = fit_good(client)
        else:
            reset(client)
            before = NOT_FITTED
        check_refused(send())
        check_model_kept(client, before)


@pytest.mark.slide("Fitting the model")
@pytest.mark.parametrize("body", BAD_FITS.values(), ids=BAD_FITS)
def test_fit_bad_body_is_refused_and_keeps_the_model(
    client: httpx.Client, body: dict[str, Any]
) -> None:
    refused_fit_keeps_the_model(client, lambda: client.post("/fit", json=body, headers=CLOSE))


@pytest.mark.slide("Fitting the model")
@pytest.mark.parametrize("content", BAD_FIT_TEXTS.values(), ids=BAD_FIT_TEXTS)
def test_fit_non_finite_number_is_refused_and_keeps_the_model(
    client: httpx.Client, content: str
) -> None:
    refused_fit_keeps_the_model(client, lambda: post_text(client, "/fit", content))


@pytest.mark.slide("Predicting from the model")
def test_predict_before_any_fit_is_refused(client: httpx.Client) -> None:
    reset(client)
    response = client.post("/predict", json={"X": [[1.0, 2.0]]}, headers=CLOSE)
    check_refused(response)


@pytest.mark.slide("Predicting from the model")
@pytest.mark.parametrize("body", BAD_PREDICTS.values(), ids=BAD_PREDICTS)
def test_predict_bad_body_is_refused(client: httpx.Client, body: dict[str, Any]) -> None:
    fit_good(client)
    check_refused(client.post("/predict", json=body, headers=CLOSE))


@pytest.mark.slide("Predicting from the model")
@pytest.mark.parametrize("content", BAD_PREDICT_TEXTS.values(), ids=BAD_PREDICT_TEXTS)
def test_predict_non_finite_number_is_refused(client: httpx.Client, content: str) -> None:
    fit_good(client)
    check_refused(post_text(client, "/predict", content))
