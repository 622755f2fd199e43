"""reference_app.ex2 does what the lecture's ex2 code computes (not the slide's numbers).

The seeded demo of "Fitting the model" is replayed against a fresh app served by uvicorn,
and compared with a local least-squares fit within a tolerance (the last bits may differ
between BLAS builds).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image
from reference_fixtures import live_client, seeded_demo

from reference_app.ex2 import create_app

# What the lecture's code computes for the seeded demo (lecture-behaviour.md, request 17).
DEMO_INTERCEPT = -0.029986983403956446
DEMO_COEF = [4.98851656779433, 0.02257341892817788, 0.10619460963286018, 2.9667410401586496,
             -1.9993541332647788]  # fmt: skip
NOT_FITTED = {"detail": "Model has not been fitted yet"}


def lstsq(X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Intercept and coefficients of ordinary least squares, by numpy alone."""
    design = np.column_stack([np.ones(len(X)), X])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(beta[0]), beta[1:]


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


def test_root_redirects_to_docs(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 307, r.text
    assert r.headers["location"] == "/docs"


def test_coefs_before_any_fit_are_null(client: httpx.Client) -> None:
    r = client.get("/coefs")
    assert r.status_code == 200, r.text
    assert r.json() == {"intercept": None, "coef": None}


def test_fit_seeded_demo_matches_least_squares(client: httpx.Client) -> None:
    X, y = seeded_demo()
    r = client.post("/fit", json={"X": X.tolist(), "y": y.tolist()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["intercept", "coef"]
    assert type(body["intercept"]) is float
    assert all(type(c) is float for c in body["coef"])
    intercept, coef = lstsq(X, y)
    assert body["intercept"] == pytest.approx(intercept, rel=1e-9, abs=1e-12)
    assert body["coef"] == pytest.approx(coef.tolist(), rel=1e-9, abs=1e-12)
    # what lecture-behaviour.md observed for the lecture's code
    assert body["intercept"] == pytest.approx(DEMO_INTERCEPT, rel=1e-9)
    assert body["coef"] == pytest.approx(DEMO_COEF, rel=1e-9)
    # and never the numbers printed on the slide
    assert body["intercept"] != pytest.approx(0.028, abs=1e-3)


def test_predict_seeded_demo_is_x_times_coef(fitted: httpx.Client) -> None:
    X, y = seeded_demo()
    r = fitted.post("/predict", json={"X": X.tolist()})
    assert r.status_code == 200, r.text
    y_hat = r.json()["y_hat"]
    assert len(y_hat) == 100
    intercept, coef = lstsq(X, y)
    assert y_hat == pytest.approx((X @ coef + intercept).tolist(), rel=1e-9, abs=1e-9)
    assert y_hat[0] == pytest.approx(-9.224776137136024, rel=1e-9)


def test_predict_ignores_y(fitted: httpx.Client) -> None:
    r = fitted.post("/predict", json={"X": [[1, 2, 3, 4, 5]], "y": [99]})
    assert r.status_code == 200, r.text
    assert len(r.json()["y_hat"]) == 1


def test_coefs_returns_the_last_fit(fitted: httpx.Client) -> None:
    r = fitted.get("/coefs")
    assert r.status_code == 200, r.text
    assert r.json()["intercept"] == pytest.approx(DEMO_INTERCEPT, rel=1e-9)
    assert r.json()["coef"] == pytest.approx(DEMO_COEF, rel=1e-9)


def test_plot_is_a_png_of_the_residuals(fitted: httpx.Client) -> None:
    r = fitted.get("/plot")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    assert image.format == "PNG"
    assert image.size == (640, 480)


def test_plot_before_any_fit_is_400(client: httpx.Client) -> None:
    r = client.get("/plot")
    assert r.status_code == 400, r.text
    assert r.json() == NOT_FITTED


def test_reset_forgets_model_and_data(fitted: httpx.Client) -> None:
    r = fitted.get("/reset")
    assert r.status_code == 200, r.text
    assert r.json() == {}
    assert fitted.get("/coefs").json() == {"intercept": None, "coef": None}
    r = fitted.get("/plot")
    assert r.status_code == 400, r.text
    assert r.json() == NOT_FITTED
    r = fitted.post("/predict", json={"X": [[1, 2, 3, 4, 5]]})
    assert r.status_code == 400, r.text
    assert r.json() == NOT_FITTED


def test_refit_replaces_the_model(fitted: httpx.Client) -> None:
    r = fitted.post("/fit", json={"X": [[0.0], [1.0], [2.0]], "y": [1.0, 3.0, 5.0]})
    assert r.status_code == 200, r.text
    assert r.json()["intercept"] == pytest.approx(1.0)
    assert r.json()["coef"] == pytest.approx([2.0])
    r = fitted.post("/predict", json={"X": [[10.0]]})
    assert r.status_code == 200, r.text
    assert r.json()["y_hat"] == pytest.approx([21.0])


def test_fit_one_sample_like_the_lecture(client: httpx.Client) -> None:
    r = client.post("/fit", json={"X": [[1, 2]], "y": [3]})
    assert r.status_code == 200, r.text
    assert r.json() == {"intercept": 3.0, "coef": [0.0, 0.0]}


def test_each_app_starts_unfitted(fitted: httpx.Client) -> None:
    with live_client(create_app()) as other:
        assert other.get("/coefs").json() == {"intercept": None, "coef": None}
    assert fitted.get("/coefs").json()["coef"] is not None
