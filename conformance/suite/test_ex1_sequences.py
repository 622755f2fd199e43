"""ex1, every response checked: sequences of requests over every route, each answer compared
with what the lecture's code answers to the same sequence (the oracle, a fresh reference app).

Hypothesis draws the sequences (how many and how long: the hypothesis profile) from inputs the
transcripts never show: zero, empty, unicode and space-padded fields, large integers, numbers
written as text, repeated requests. Only requests in the input domain are sent
(:mod:`conformance.domain.ex1`). A live server may already hold items from earlier runs: each
sequence starts with a POST /items, learns from its answer how many items the server held
before, and numbers the oracle's items after those.
"""

import json
from typing import Any

import httpx
import pytest
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from conformance import domain, stateful
from conformance import strategies as gen
from conformance.cases.ex1 import GADGET, WIDGET
from conformance.domain.shape import Request
from conformance.stateful import AgainstTheLecture

pytestmark = [pytest.mark.ex1, pytest.mark.slide("Usage - Demo")]

# --- inputs ----------------------------------------------------------------------------

NAMES = st.one_of(
    st.sampled_from(["Widget", "", " ", "  padded  ", "0", "Zoë 🚀 日本", "null", "a&b=c"]),
    gen.texts(12),
)
PRICES = st.one_of(
    st.sampled_from([0, 0.0, 9.99, 1e-7, 3, 2**53 + 1, 10**20, 1.5e300]),
    st.integers(-(10**6), 10**6),
    gen.finite_floats(),
)
ITEMS = st.fixed_dictionaries(
    {"name": NAMES, "price": PRICES},
    optional={"description": st.none() | NAMES, "tax": st.none() | PRICES},
)
REFUSED_ITEMS = st.sampled_from(
    [
        {"name": "Widget"},
        {"price": 1.0},
        {},
        {"name": 5, "price": 1.0},
        {"name": None, "price": 1.0},
        {"name": "W", "price": None},
        {"name": "W", "price": [1.0]},
        {"name": "W", "price": 1.0, "description": 5},
        {"name": "W", "price": 1.0, "tax": {"rate": 1}},
        [{"name": "Widget", "price": 9.99}],
        "Widget",
        None,
    ]
)
ZEROS = [
    {"name": "", "price": 0.0, "tax": 0.0, "description": ""},
    {"name": "0", "price": 0, "tax": 0},
    {"name": " ", "price": -0.0, "tax": 0.0},
]
INT_TEXTS = st.sampled_from([" 7", "7 ", "+3", "-0", "007", "1_000", "1.0", "9007199254740993.0"])
NOT_INTS = st.sampled_from(["abc", "1.5", "2.", "", "1e3", "0x10", "true", "NaN", "\uff11"])
NUMBERS = st.one_of(gen.ints().map(str), INT_TEXTS, NOT_INTS)
USER_IDS = st.one_of(gen.ints().map(str), st.sampled_from(["1.0", "+5", "01", "Colin", "1e3"]))


class Ex1AgainstTheLecture(AgainstTheLecture):
    """Any sequence of ex1 requests gets the answers the lecture's code gives it."""

    exercise = "ex1"

    def __init__(self, client: httpx.Client) -> None:
        super().__init__(client)
        self.held: list[Any] = []  # the items the server held before this sequence
        self.count = 0  # the items this sequence added (the oracle's list)

    def post(self, body: Any) -> None:
        server, oracle = self.exchange.send("POST", "/items", json=body)
        if self.count == 0 and oracle.status_code == 200:
            self.learn_held_items(server, oracle)
        if oracle.status_code == 200:
            self.count = len(oracle.json())
            oracle = shifted(oracle, self.held)
        self.exchange.compare(server, oracle)

    def learn_held_items(self, server: httpx.Response, oracle: httpx.Response) -> None:
        """The server's list is the items it held before, then the oracle's."""
        try:
            body = server.json()
        except ValueError:
            return  # compared (and refused) as it is
        added = len(oracle.json())
        if isinstance(body, list) and len(body) >= added:
            self.held = body[: len(body) - added]

    @initialize()
    def start_with_a_tour(self) -> None:
        """Every sequence starts with the same tour of the API, so that what it finds does
        not depend on the seed; hypothesis draws the rest."""
        for item in (WIDGET, GADGET, ZEROS[0], WIDGET):
            self.post(item)
        self.post({"name": "Widget"})
        for index in range(self.count):
            self.get_an_item(index)
        self.get_just_past_the_end()
        self.get_an_item_by_text("first")
        for x, y in (("1", "1"), ("-7", None), ("1.0", "2.0"), ("abc", "1"), (None, "-7")):
            self.add(x, y)
        for user_id, name in (("1234", "Colin"), ("3141", None), ("1", "  a%41+b  "), ("2", "")):
            self.user(user_id, name)
        self.user("Colin", None)
        self.hello()

    @rule(item=ITEMS)
    def post_an_item(self, item: dict[str, Any]) -> None:
        self.post(item)

    @rule(body=REFUSED_ITEMS)
    def post_a_refused_item(self, body: Any) -> None:
        self.post(body)

    @rule(index=st.integers(0, 5) | st.just(10**30))
    def get_an_item(self, index: int) -> None:
        # The oracle's item `index` is the server's item `len(held) + index`.
        self.exchange.check(
            "GET", f"/items/{len(self.held) + index}", oracle_path=f"/items/{index}"
        )

    @rule()
    def get_just_past_the_end(self) -> None:
        self.get_an_item(self.count)

    @rule(item=st.sampled_from(ZEROS))
    def post_an_item_of_zeros_and_blanks(self, item: dict[str, Any]) -> None:
        self.post(item)

    @rule(y=NUMBERS, user_id=st.sampled_from(["Colin", "1.5", "x1"]))
    def leave_out_or_mistype_a_parameter(self, y: str, user_id: str) -> None:
        self.exchange.check("GET", "/add", params={"y": y})
        self.exchange.check("GET", f"/user/{user_id}")

    @rule(item_id=st.sampled_from(["first", "1.5", "-x"]))
    def get_an_item_by_text(self, item_id: str) -> None:
        self.exchange.check("GET", f"/items/{item_id}")

    @rule(x=NUMBERS | st.none(), y=NUMBERS | st.none())
    def add(self, x: str | None, y: str | None) -> None:
        params = {key: value for key, value in (("x", x), ("y", y)) if value is not None}
        assume(domain.in_domain("ex1", Request("GET", "/add", query=params), {}))
        self.exchange.check("GET", "/add", params=params)

    @rule(user_id=USER_IDS, name=st.none() | NAMES)
    def user(self, user_id: str, name: str | None) -> None:
        params = None if name is None else {"name": name}
        self.exchange.check("GET", f"/user/{user_id}", params=params)

    @rule()
    def hello(self) -> None:
        self.exchange.check("GET", "/")

    def repeat(self, last: httpx.Request) -> None:
        if last.method == "POST":
            self.post(json.loads(last.content) if last.content else None)
        elif last.url.path.startswith("/items/") and self.held:
            return  # numbered differently on the server: get_an_item repeats those
        else:
            self.exchange.check("GET", last.url.raw_path.decode())


def shifted(oracle: httpx.Response, held: list[Any]) -> httpx.Response:
    """The oracle's list answer, after the items the server already held."""
    return httpx.Response(
        oracle.status_code,
        headers={"content-type": oracle.headers.get("content-type", "application/json")},
        content=json.dumps([*held, *oracle.json()]).encode(),
        request=oracle.request,
    )


def test_every_answer_is_the_lecture_s_answer(client: httpx.Client) -> None:
    stateful.run(Ex1AgainstTheLecture, client)
