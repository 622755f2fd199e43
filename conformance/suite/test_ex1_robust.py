"""ex1, robust tier: what the lecture does not promise but a good server does.

No 5xx for odd or extreme input, a 4xx with a JSON ``detail`` for every request it refuses,
and a refused request changes nothing. The lecture's own code fails several of these (see
the project's notes on the lecture's behaviour); a failure here is a robustness finding, not a
failure to follow the lecture. Any 4xx is accepted: a server may pick 400, 404 or 422.
"""

from typing import Any

import httpx
import pytest
from hypothesis import given, note

from conformance import expect, profiles
from conformance import strategies as gen
from conformance.cases.ex1 import WIDGET, stored
from conformance.expect import check_refused
from conformance.prerequisite import listed
from conformance.schema import CLOSE

pytestmark = [pytest.mark.ex1, pytest.mark.robust]


def post_widget(client: httpx.Client) -> list[Any]:
    """POST a valid item to set up a test (see conformance.prerequisite): the whole list."""
    return listed(client.post("/items", json=WIDGET))


def check_nothing_stored(client: httpx.Client, before: list[Any]) -> None:
    """The next POST answers the list as it was, plus its item: a refused POST that stored
    something breaks the refusal's rule."""
    response = client.post("/items", json=WIDGET, headers=CLOSE)
    with expect.judging("POST /items", "refusal"):
        expect.check(response, 200, [*before, stored(WIDGET)])


@pytest.mark.slide("Error handling - HTTPException")
@pytest.mark.parametrize("back", [1, 2], ids=["minus-1", "minus-2"])
def test_items_negative_id_is_refused(client: httpx.Client, back: int) -> None:
    # A Python list reads items[-1] as the last item: the lecture's code answers 200 here.
    post_widget(client)
    check_refused(client.get(f"/items/{-back}", headers=CLOSE))


@pytest.mark.slide("Error handling - HTTPException")
def test_items_id_before_the_start_is_refused(client: httpx.Client) -> None:
    # items[-(len + 1)] is an IndexError: the lecture's code answers 500.
    count = len(post_widget(client))
    check_refused(client.get(f"/items/{-count - 1}", headers=CLOSE))


@pytest.mark.slide("Error handling - HTTPException")
@profiles.suite_settings(share=0.5)
@given(item_id=gen.negative_ids())
def test_items_any_negative_id_is_refused(client: httpx.Client, item_id: int) -> None:
    note(f"item_id = {item_id}")
    check_refused(client.get(f"/items/{item_id}", headers=CLOSE))


@pytest.mark.slide("Query parameters")
def test_add_sum_too_long_for_json_is_refused(client: httpx.Client) -> None:
    # Both inputs parse (4300 digits each), but x + y has 4301: Python will not write it.
    x = 10**gen.MAX_DIGITS - 1
    check_refused(client.get("/add", params={"x": x, "y": 1}, headers=CLOSE))


@pytest.mark.slide("Type hinting")
@pytest.mark.parametrize("digits", [gen.MAX_DIGITS + 1, 5000])
def test_add_input_with_too_many_digits_is_refused(client: httpx.Client, digits: int) -> None:
    check_refused(client.get("/add", params={"x": "9" * digits}, headers=CLOSE))


@pytest.mark.slide("Usage - Demo")
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "Widget"}, id="no-price"),
        pytest.param({"price": 1.0}, id="no-name"),
        pytest.param({"name": "Widget", "price": "cheap"}, id="text-price"),
        pytest.param([WIDGET], id="a-list"),
    ],
)
def test_items_refused_post_appends_nothing(client: httpx.Client, body: Any) -> None:
    before = post_widget(client)
    check_refused(client.post("/items", json=body, headers=CLOSE))
    check_nothing_stored(client, before)


# These run last (profiles.runs_last): the lecture's code stores the item before it
# fails to send it back, and from then on every POST /items answers 500.
NON_FINITE = {
    "price-nan": '{"name": "W", "price": NaN}',
    "price-infinity": '{"name": "W", "price": Infinity}',
    "price-1e309": '{"name": "W", "price": 1e309}',
    "tax-minus-infinity": '{"name": "W", "price": 1.0, "tax": -Infinity}',
}


@profiles.runs_last
@pytest.mark.slide("Request body")
@pytest.mark.parametrize("content", NON_FINITE.values(), ids=NON_FINITE)
def test_items_non_finite_number_is_refused_and_not_stored(
    client: httpx.Client, content: str
) -> None:
    before = post_widget(client)
    response = client.post(
        "/items", content=content, headers={"content-type": "application/json", **CLOSE}
    )
    check_refused(response)
    check_nothing_stored(client, before)
