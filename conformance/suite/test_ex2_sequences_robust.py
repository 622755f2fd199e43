"""ex2, robust tier: requests outside the input domain, mixed into the oracle's sequences.

Each is sent to the server alone and must be refused with a 4xx and a JSON ``detail``; the
oracle never hears of it, so every answer after it (/coefs, /predict, /plot) shows whether it
changed the model. The lecture's code fails this: it answers 500 to these, and a failed /fit
leaves half a model behind.
"""

import json
import math

import httpx
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from conformance import stateful
from conformance.regression import least_squares
from conformance.suite import test_ex2_robust as robust
from conformance.suite.test_ex2_sequences import Ex2AgainstTheLecture

pytestmark = [pytest.mark.ex2, pytest.mark.robust, pytest.mark.slide("FastAPI - A model API")]

BAD_FITS = st.sampled_from(
    [*(json.dumps(body) for body in robust.BAD_FITS.values()), *robust.BAD_FIT_TEXTS.values()]
)
BAD_X = st.sampled_from(['{"X": []}', '{"X": [[]]}', '{"X": [[NaN]]}'])


class Ex2RefusesWhatTheLectureCannotAnswer(Ex2AgainstTheLecture):
    """The oracle's sequences, with requests on which the lecture's code crashes mixed in."""

    @rule(content=BAD_FITS)
    def fit_bad_data(self, content: str) -> None:
        self.exchange.refused("POST", "/fit", content=content)

    @precondition(lambda self: self.data is None)
    @rule()
    def predict_before_any_fit(self) -> None:
        self.exchange.refused("POST", "/predict", json={"X": [[1.0, 2.0]]})

    @precondition(lambda self: self.data is not None)
    @rule(extra=st.integers(1, 3), content=BAD_X)
    def predict_bad_x(self, extra: int, content: str) -> None:
        assert self.columns is not None
        self.exchange.refused("POST", "/predict", json={"X": [[1.0] * (self.columns + extra)]})
        self.exchange.refused("POST", "/predict", content=content)

    @precondition(lambda self: self.data is not None)
    @rule()
    def predict_an_overflow(self) -> None:
        # Each value 1e308, signed as its coefficient: the prediction overflows unless the
        # coefficients are tiny (then this sends nothing).
        assert self.data is not None
        fit = least_squares(self.data.X, self.data.y)
        row = [math.copysign(1e308, c) for c in fit.coef]
        with np.errstate(over="ignore"):
            overflows = not np.isfinite(fit.predict([row])[0])
        if overflows:
            self.exchange.refused("POST", "/predict", json={"X": [row]})


def test_refused_requests_change_nothing(client: httpx.Client) -> None:
    stateful.run(Ex2RefusesWhatTheLectureCannotAnswer, client)
