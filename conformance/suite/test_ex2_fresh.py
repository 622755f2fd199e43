"""ex2 from a freshly started server: what the lecture's model API answers before and at its
first fit, in the lecture's order and with no /reset before it.

GET / redirects to /docs, and the docs page answers; /coefs answers nulls, /plot a 400 and
/predict no prediction until the first fit; then the lecture's demo: the seeded fit, its
predictions, /coefs and the plot. These run before every other test (marker ``fresh``); see
:mod:`conformance.fresh` for when the starting state counts. A step after the fit is judged
by the server's own fit (its predictions are its coefficients' predictions, or the lecture's
least squares of the demo: a server that rounds the coefficients it shows predicts with the
ones it fitted), so a wrong fit costs the fit's step only.
"""

from __future__ import annotations

import httpx
import pytest

from conformance import expect, fresh
from conformance.cases import Redirect
from conformance.cases.ex2 import CASES, DEMO
from conformance.fitted import ServerModel, coefs_of
from conformance.fresh import Journal, Step, StepBlocked
from conformance.regression import Fit, fit_of
from conformance.transcript import check_answer, check_media_type, check_png, check_redirect, send

pytestmark = [pytest.mark.ex2, pytest.mark.fresh]

CASE = {case.id: case for case in CASES}

NULL_COEFS = {"intercept": None, "coef": None}
NOT_FITTED = {"detail": "Model has not been fitted yet"}
FIT = "fit"
"""The journal's key for the first fit's answer: its status, and its coefficients if usable."""


def root_redirects_to_the_docs_page(client: httpx.Client, journal: Journal) -> None:
    case = CASE["root-redirects-to-docs"]
    assert isinstance(case.body, Redirect)
    response = send(client, case.request, follow_redirects=False)
    check_redirect(response, case.body)
    # `requests.get(url + "/")` follows it: the page it leads to must answer.
    page = client.get(response.request.url.join(response.headers["location"]))
    expect.check(page, 200)
    check_media_type(
        page, "text/html", expected="200 text/html: FastAPI's docs page, where GET / redirects"
    )


def coefs_before_any_fit(client: httpx.Client, journal: Journal) -> None:
    response = client.get("/coefs")
    body = expect.response_json(response) if response.status_code == 200 else None
    if fit_of(body, None) is not None:
        raise journal.not_fresh(
            response,
            held="a fitted model",
            lecture="has none until the first POST /fit",
            expected=f"200 {expect.to_json(NULL_COEFS)}: the lecture's model is not fitted "
            "until the first POST /fit",
            where="$: /coefs answers a fitted model before any POST /fit",
        )
    expect.check(response, 200, NULL_COEFS)


def plot_before_any_fit(client: httpx.Client, journal: Journal) -> None:
    expect.check(client.get("/plot"), 400, NOT_FITTED)


def predict_before_any_fit(client: httpx.Client, journal: Journal) -> None:
    # The lecture's code crashes here (NotFittedError, 500), the reference refuses it as /plot
    # does (400): either says there is no model yet. A prediction is made up.
    response = client.post("/predict", json={"X": [[1.0, 2.0, 3.0, 4.0, 5.0]]})
    expect.judged(response)
    expect.assess(response, "status")
    if response.is_success:
        raise expect.fail(
            response,
            expected="an error status: before the first POST /fit there is no model to "
            "predict with (the lecture's code fails with 500; /plot answers 400 "
            f"{expect.to_json(NOT_FITTED)})",
            where=f"$.status: expected 4xx or 5xx, got {response.status_code}",
        )
    expect.verify(response, "status")


def first_fit(client: httpx.Client, journal: Journal) -> None:
    case = CASE["fit-seeded-demo"]
    response = send(client, case.request)
    body = expect.response_json(response) if response.status_code == 200 else None
    journal.answers[FIT] = (response.status_code, fit_of(body, len(DEMO.X[0])))
    check_answer(response, case)


def own_fit(journal: Journal) -> Fit:
    _, found = journal.answers.get(FIT, (None, None))
    if not isinstance(found, Fit):
        raise StepBlocked(
            "the first POST /fit gave no coefficients to judge this by (see fit-seeded-demo)"
        )
    return found


def predict_from_own_fit(client: httpx.Client, journal: Journal) -> None:
    fit = own_fit(journal)
    case = CASE["predict-seeded-demo"]
    model = ServerModel(DEMO, {"intercept": fit.intercept, "coef": list(fit.coef)})
    model.check_predict(send(client, case.request), DEMO.X)


def coefs_of_own_fit(client: httpx.Client, journal: Journal) -> None:
    expect.check(client.get("/coefs"), 200, coefs_of(own_fit(journal)))


def plot_of_first_fit(client: httpx.Client, journal: Journal) -> None:
    status, _ = journal.answers.get(FIT, (None, None))
    if status != 200:
        raise StepBlocked("the first POST /fit did not answer 200 (see fit-seeded-demo)")
    check_png(client.get("/plot"))


STEPS = [
    Step("root-redirects-to-docs", "FastAPI - A model API", root_redirects_to_the_docs_page),
    Step("coefs-before-any-fit-are-null", "FastAPI - A model API", coefs_before_any_fit),
    Step(
        "plot-before-any-fit-is-400", "FastAPI - A model API", plot_before_any_fit, needs_start=True
    ),
    Step(
        "predict-before-any-fit-is-an-error",
        "Predicting from the model",
        predict_before_any_fit,
        needs_start=True,
    ),
    Step("fit-seeded-demo", "Fitting the model", first_fit),
    Step("predict-seeded-demo", "Predicting from the model", predict_from_own_fit),
    Step("coefs-after-fit", "Predicting from the model", coefs_of_own_fit),
    Step("plot-is-png", "Residuals plot", plot_of_first_fit),
]


@pytest.mark.parametrize("step", fresh.params(STEPS, pytest.mark.ex2))
def test_fresh_start(request: pytest.FixtureRequest, client: httpx.Client, step: str) -> None:
    fresh.report(request, client, "ex2", STEPS, step)
