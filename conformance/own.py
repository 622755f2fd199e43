"""ex2 answers judged by the server's own earlier answers: predictions by the coefficients its
/fit answered, /coefs by that same fit.

A test of /predict or /coefs fits a model first; whether that fit is least squares is the
fit tests' business. Here the fit's answer only has to be usable (200, a number and one number
per column): then what follows must agree with it, and a wrong fit costs the fit's tests only.
When it is not usable, the test is skipped as blocked by the fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance import expect
from conformance import strategies as gen
from conformance.matchers import Close, is_number
from conformance.regression import Dataset


@dataclass(frozen=True)
class OwnFit:
    """The intercept and coefficients a server's /fit answered."""

    intercept: float
    coef: tuple[float, ...]

    def coefs(self) -> dict[str, Any]:
        """The /coefs body of this fit (the same numbers, to 1e-9 relative)."""
        return {
            "intercept": Close(self.intercept, 1e-9),
            "coef": [Close(c, 1e-9) for c in self.coef],
        }

    def predictions(self, X: list[list[float]]) -> dict[str, Any]:
        """The /predict body of this fit for ``X``, within the suite's prediction slack."""
        return {
            "y_hat": [
                Close(
                    self.intercept + sum(c * v for c, v in zip(self.coef, row, strict=True)),
                    abs=gen.prediction_tolerance(row),
                )
                for row in X
            ]
        }


def parse(body: Any, columns: int | None = None) -> OwnFit | None:
    """The fit in a /fit or /coefs body: ``{"intercept": number, "coef": [numbers]}`` (with
    ``columns`` numbers, if given); None for anything else."""
    if not isinstance(body, dict) or set(body) != {"intercept", "coef"}:
        return None
    intercept, coef = body["intercept"], body["coef"]
    if not is_number(intercept) or not isinstance(coef, list) or not coef:
        return None
    if not all(is_number(c) for c in coef) or (columns is not None and len(coef) != columns):
        return None
    return OwnFit(float(intercept), tuple(float(c) for c in coef))


def fit(client: httpx.Client, data: Dataset) -> OwnFit:
    """POST /fit ``data``; the fit the server answered, or skip the test as blocked."""
    response = client.post("/fit", json=data.body())
    expect.judged(response)
    found = None
    if response.status_code == 200:
        try:
            found = parse(response.json(), len(data.X[0]))
        except ValueError:
            found = None
    if found is None:
        pytest.skip(
            f"blocked: POST /fit answered {expect.describe_response(response)[:80]}, not a fit "
            "to judge this test by (the /fit tests say what is wrong)"
        )
    return found
