"""ex2 with more than one client: one model, shared by every client.

The lecture's clients are separate ``requests`` calls (each its own connection, no cookies):
the model one client fits is the model the next one reads. Overlapping requests: the lecture's
/fit and /predict are plain ``def`` handlers, which uvicorn runs in its thread pool, so a fit
overlapping another request is not kept apart in the lecture's own code (a /coefs read in the
middle of a fit may see half of it). What it does keep apart are predictions from one model:
each /predict works on its own X only, so predictions sent at once each answer their own X.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from conformance import expect
from conformance.fitted import ServerModel, fit
from conformance.overlap import at_once
from conformance.regression import well_conditioned

pytestmark = [pytest.mark.ex2, pytest.mark.slide("Predicting from the model")]

OVERLAPPING = 8
"""POST /predict requests sent at one moment, each from its own client."""

TRAIN = well_conditioned(seed=31, n=40, p=3, intercept=2.0)


@pytest.mark.slide("FastAPI - A model API")
def test_coefs_are_the_fit_another_client_sent(
    client: httpx.Client, new_client: Callable[[], httpx.Client]
) -> None:
    expect.check(client.get("/reset"), 200, {})
    model = ServerModel()
    fit(new_client(), TRAIN, model)
    expect.check(new_client().get("/coefs"), 200, model.coefs())
    expect.check(client.get("/coefs"), 200, model.coefs())


def test_predict_overlapping_requests_each_answer_their_own_x(
    client: httpx.Client, new_client: Callable[[], httpx.Client]
) -> None:
    model = ServerModel()
    fit(client, TRAIN, model)
    # Eight different X, of 1 to 8 rows: no two answers could be taken for each other.
    rows = [well_conditioned(seed=100 + i, n=i + 1, p=3).X for i in range(OVERLAPPING)]

    def open_connection(other: httpx.Client, _: int) -> None:
        expect.check(other.get("/coefs"), 200, model.coefs())

    def predict(other: httpx.Client, index: int) -> httpx.Response:
        return other.post("/predict", json={"X": rows[index]})

    clients = [new_client() for _ in rows]
    answers = at_once(clients, predict, warm=open_connection)
    for answer, X in zip(answers, rows, strict=True):
        model.check_predict(answer, X)
