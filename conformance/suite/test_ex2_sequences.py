"""ex2, every response checked: sequences of model-API requests, each answer compared with what
the lecture's code answers to the same sequence (the oracle, a fresh reference app).

Hypothesis draws the sequences (how many and how long: the hypothesis profile) over every
route, with inputs the transcripts never show: a ``y`` in /predict bodies (the lecture ignores
it), refits of the same data, repeated requests, /plot, /coefs and /reset between fits, data
of one to five columns. Only requests in the input domain are sent (:mod:`conformance.domain.ex2`):
/predict only after a fit and with its number of columns, /fit only of well-posed data.

Numbers a fit computes are compared within the fit tolerance; a plot is never compared pixel by
pixel with the reference: it must be a PNG, the same model must give the same image, and a
different fit a different image.
"""

import json
import math
from typing import Any

import httpx
import pytest
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from conformance import domain, expect, stateful
from conformance import strategies as gen
from conformance.domain.shape import Request
from conformance.fitted import ServerModel, judged_after_reset
from conformance.oracle import Images
from conformance.regression import EXACT_FIT, WIDE, Dataset
from conformance.stateful import AgainstTheLecture

pytestmark = [pytest.mark.ex2, pytest.mark.slide("FastAPI - A model API")]

PLOTS_PER_MODEL = 2
"""A plot takes ~0.1 s to draw: two of one model are enough to see it change or not."""


def y_values(rows: int) -> st.SearchStrategy[list[float] | None]:
    """A ``y`` for a /predict body: the lecture's Data allows it, and /predict ignores it.
    Often one value per row, as a y for the X would be."""
    value = st.floats(-1000, 1000, allow_nan=False).map(lambda v: round(v, 3))
    same = st.lists(value, min_size=rows, max_size=rows)
    return st.one_of(st.none(), same, same, st.lists(value, max_size=4))


class Ex2AgainstTheLecture(AgainstTheLecture):
    """Any sequence of model-API requests gets the answers the lecture's code gives it."""

    exercise = "ex2"

    def __init__(self, client: httpx.Client) -> None:
        super().__init__(client)
        self.images = Images()
        self.data: Dataset | None = None  # the data of the current fit
        self.model = ServerModel()  # the server's own fit, from its answers
        self.plots = 0  # plots of the current model
        self.was_reset = False  # a /reset was sent in this sequence

    @property
    def columns(self) -> int | None:
        return len(self.data.X[0]) if self.data is not None else None

    @initialize()
    def start_with_a_tour(self) -> None:
        """Every sequence starts with the same tour of the API, so that what it finds does
        not depend on the seed; hypothesis draws the rest."""
        self.reset()
        self.coefs()
        self.fit(WIDE)
        self.coefs()
        self.predict_the_training_data()
        self.predict_rows([[1.0, -2.0, 3.0, -4.0, 5.0]], y=[1.0])
        self.fit(EXACT_FIT)
        self.predict_rows([[10.0], [-1.5]], y=None)
        self.reset()
        self.coefs()
        self.root()

    @rule(data=gen.datasets())
    def fit(self, data: Dataset) -> None:
        body = data.body()
        assume(domain.in_domain("ex2", Request("POST", "/fit", body=body), {}))
        server, _ = self.exchange.check("POST", "/fit", json=body, numbers="fit")
        self.model.fitted(data, server.json())
        self.plots = 0 if data != self.data else self.plots
        self.data = data

    @precondition(lambda self: self.data is not None)
    @rule()
    def fit_the_same_data_again(self) -> None:
        assert self.data is not None
        server, _ = self.exchange.check("POST", "/fit", json=self.data.body(), numbers="fit")
        self.model.fitted(self.data, server.json())

    def predictable(self, X: Any) -> bool:
        """Whether ``X`` is rows of the fitted width, finite numbers (a request in the domain)."""
        return (
            isinstance(X, list)
            and bool(X)
            and all(
                isinstance(row, list)
                and len(row) == self.columns
                and all(isinstance(v, int | float) and math.isfinite(v) for v in row)
                for row in X
            )
        )

    def own_predictions(self, X: list[list[float]]) -> Any:
        """What /predict answers with the server's own fit (see conformance.fitted)."""
        fit = self.model.fit
        return expect.UNSET if fit is None else {"y_hat": fit.predict(X)}

    def own_coefs(self) -> Any:
        """What /coefs answers after the server's own fit: what its /fit answered."""
        answer = self.model.answer
        if isinstance(answer, dict) and {"intercept", "coef"} <= set(answer):
            return answer
        return expect.UNSET

    @precondition(lambda self: self.data is not None)
    @rule(draw=st.data())
    def predict(self, draw: st.DataObject) -> None:
        assert self.columns is not None
        X = draw.draw(gen.rows(self.columns), label="X")
        y = draw.draw(y_values(len(X)), label="y")
        self.predict_rows(X, y)

    def predict_rows(self, X: list[list[float]], y: list[float] | None) -> None:
        body: dict[str, Any] = {"X": X} if y is None else {"X": X, "y": y}
        state = {"columns": self.columns}
        assume(domain.in_domain("ex2", Request("POST", "/predict", body=body), state))
        own = self.own_predictions(X)
        self.exchange.check("POST", "/predict", json=body, numbers="prediction", X=X, own=own)

    @precondition(lambda self: self.data is not None)
    @rule()
    def predict_the_training_data(self) -> None:
        assert self.data is not None
        X = self.data.X
        own = self.own_predictions(X)
        self.exchange.check("POST", "/predict", json={"X": X}, numbers="prediction", X=X, own=own)

    @rule()
    def coefs(self) -> None:
        if self.data is not None or not self.was_reset:
            self.exchange.check("GET", "/coefs", numbers="fit", own=self.own_coefs())
            return
        # After a /reset: a fit still answered (this sequence's, or one an earlier test made)
        # is /reset's mistake, not /coefs'.
        server, oracle = self.exchange.send("GET", "/coefs")
        with judged_after_reset(server, self.model):
            self.exchange.compare(server, oracle)

    @precondition(lambda self: self.plots < PLOTS_PER_MODEL)
    @rule()
    def plot(self) -> None:
        self.plots += 1
        if self.data is None:  # the oracle's answer is a 400 with a JSON detail
            server, oracle = self.exchange.send("GET", "/plot")
            with judged_after_reset(server, self.model):
                self.exchange.compare(server, oracle)
            return
        # A fitted oracle would draw its own PNG, which is never compared with the server's:
        # the server's image is judged by the metamorphic rules alone (and a plot changes no
        # state, so the oracle need not draw it).
        server = self.exchange.send_to_server("GET", "/plot")
        model = (tuple(map(tuple, self.data.X)), tuple(self.data.y))
        problem = self.images.check(model, server)
        if problem is not None:
            raise self.exchange.fail(problem, server)

    @rule()
    def reset(self) -> None:
        self.exchange.check("GET", "/reset")
        self.was_reset = True
        self.model.reset()
        self.data = None
        self.plots = 0

    @rule()
    def reset_then_look(self) -> None:
        """/reset, then what a model that was never fitted answers."""
        self.reset()
        self.coefs()
        self.plot()

    @rule(data=gen.datasets())
    def fit_then_plot(self, data: Dataset) -> None:
        """A new fit and its plot: each fit's plot must be its own."""
        self.fit(data)
        if self.plots < PLOTS_PER_MODEL:
            self.plot()

    @rule()
    def root(self) -> None:
        self.exchange.check("GET", "/", follow_redirects=False)

    def repeat(self, last: httpx.Request) -> None:
        path = last.url.path
        if last.method == "POST":
            # a refused request (NaN, which JSON cannot carry) is refused again, not sent here
            assume(sendable(last.content))
        if last.method == "POST" and path == "/predict":
            body = json.loads(last.content)
            X = body.get("X") if isinstance(body, dict) else None
            own = self.own_predictions(X) if X is not None and self.predictable(X) else expect.UNSET
            self.exchange.check("POST", path, json=body, numbers="prediction", X=X, own=own)
        elif last.method == "POST":
            body = json.loads(last.content) if last.content else None
            server, _ = self.exchange.check("POST", path, json=body, numbers="fit")
            if self.data is not None and body == self.data.body() and server.status_code == 200:
                self.model.fitted(self.data, server.json())
        elif path == "/":
            self.root()
        elif path == "/plot":
            assume(self.plots < PLOTS_PER_MODEL)
            self.plot()
        elif path == "/coefs":
            self.coefs()
        else:
            self.reset()


def sendable(content: bytes) -> bool:
    """Whether a request body is JSON the suite's client can send again (no NaN, no inf)."""
    try:
        json.dumps(json.loads(content), allow_nan=False)
    except ValueError:
        return False
    return True


def test_every_answer_is_the_lecture_s_answer(client: httpx.Client) -> None:
    stateful.run(Ex2AgainstTheLecture, client)
