"""ex2 /plot: "Returning a figure - StreamingResponse" and "Residuals plot"."""

import httpx
import pytest

from conformance import expect
from conformance.regression import seeded_demo, well_conditioned
from conformance.transcript import check_png

pytestmark = [pytest.mark.ex2, pytest.mark.slide("Residuals plot")]


def test_plot_before_any_fit_is_400(client: httpx.Client) -> None:
    expect.check(client.get("/reset"), 200, {})
    expect.check(client.get("/plot"), 400, {"detail": "Model has not been fitted yet"})


def test_plot_after_fit_is_a_png(client: httpx.Client) -> None:
    expect.check(client.get("/reset"), 200, {})
    expect.check(client.post("/fit", json=seeded_demo().body()), 200)
    check_png(client.get("/plot"))


def test_plot_shows_the_latest_fit(client: httpx.Client) -> None:
    # Residuals of different data give a different picture: a plot that never changes
    # is not drawn from the model.
    expect.check(client.get("/reset"), 200, {})
    expect.check(client.post("/fit", json=seeded_demo().body()), 200)
    first = client.get("/plot")
    check_png(first)
    expect.check(client.post("/fit", json=well_conditioned(seed=9, n=40, p=2).body()), 200)
    second = client.get("/plot")
    check_png(second)
    if second.content == first.content:
        raise expect.fail(
            second,
            expected="a new residuals plot after fitting different data",
            got="the same PNG bytes as before the second /fit",
            where="$.body: unchanged",
        )
