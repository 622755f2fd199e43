"""ex1, robust tier: requests outside the input domain, mixed into the oracle's sequences.

Each is sent to the server alone and must be refused with a 4xx and a JSON ``detail``; the
oracle never hears of it, so every answer after it shows whether it changed anything. The
lecture's code fails this (it answers negative ids, and stores a NaN price before crashing).
"""

import httpx
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from conformance import profiles, stateful
from conformance.suite import test_ex1_robust as robust
from conformance.suite.test_ex1_sequences import Ex1AgainstTheLecture

pytestmark = [pytest.mark.ex1, pytest.mark.robust, pytest.mark.slide("Usage - Demo")]

NON_FINITE_ITEMS = st.sampled_from(list(robust.NON_FINITE.values()))


class Ex1RefusesWhatTheLectureCannotAnswer(Ex1AgainstTheLecture):
    """The oracle's sequences, with requests on which the lecture's code crashes mixed in."""

    @rule(back=st.integers(1, 3) | st.integers(4, 10**30))
    def get_a_negative_item(self, back: int) -> None:
        self.exchange.refused("GET", f"/items/{-back}")

    @rule(digits=st.integers(4300, 4300))
    def add_a_sum_too_long_for_json(self, digits: int) -> None:
        self.exchange.refused("GET", f"/add?x={'9' * digits}&y=1")

    @rule(content=NON_FINITE_ITEMS)
    def post_a_non_finite_price(self, content: str) -> None:
        self.exchange.refused("POST", "/items", content=content)


@profiles.runs_last  # the lecture's code answers 500 to every POST /items after a NaN price
def test_refused_requests_change_nothing(client: httpx.Client) -> None:
    stateful.run(Ex1RefusesWhatTheLectureCannotAnswer, client)
