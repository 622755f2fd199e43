"""reference_app.ex1 answers a clear 4xx where the lecture's code crashes or corrupts state.

Each case is a probe from lecture-behaviour.md (b) where the lecture's code answers 500,
answers from the wrong end of the list, or stores an item that breaks every later request.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from reference_fixtures import exact, live_client

from reference_app.ex1 import create_app

NOT_FOUND = {"detail": "Item not found"}
WIDGET = {"name": "Widget", "price": 9.99}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A client of a fresh ex1 app (empty items list) served by uvicorn."""
    with live_client(create_app()) as c:
        yield c


@pytest.fixture
def two_items(client: httpx.Client) -> httpx.Client:
    """``client`` after storing two items."""
    for name in ("first", "second"):
        r = client.post("/items", json={"name": name, "price": 1.0})
        assert r.status_code == 200, r.text
    return client


@pytest.mark.parametrize("item_id", ["-1", "-2", "-3", "-1000000000000000000000000000000"])
def test_items_negative_id_is_404(two_items: httpx.Client, item_id: str) -> None:
    r = two_items.get(f"/items/{item_id}")
    assert r.status_code == 404, r.text
    assert r.json() == NOT_FOUND


@pytest.mark.parametrize("item_id", ["-1", "0", "2", str(10**30)])
def test_items_out_of_range_id_is_404_on_an_empty_list(client: httpx.Client, item_id: str) -> None:
    r = client.get(f"/items/{item_id}")
    assert r.status_code == 404, r.text
    assert r.json() == NOT_FOUND


NOT_A_NUMBER = {
    "price-nan": (b'{"name": "a", "price": NaN}', ["body", "price"], "finite_number", "NaN"),
    "price-infinity": (b'{"name": "a", "price": 1e309}', ["body", "price"], "finite_number",
                       "Infinity"),
    "tax-minus-infinity": (b'{"name": "a", "price": 1, "tax": -Infinity}', ["body", "tax"],
                           "finite_number", "-Infinity"),
    "tax-nan": (b'{"name": "a", "price": 1, "tax": NaN}', ["body", "tax"], "finite_number",
                "NaN"),
    "price-true": (b'{"name": "a", "price": true}', ["body", "price"], "float_type", True),
    "tax-false": (b'{"name": "a", "price": 1, "tax": false}', ["body", "tax"], "float_type",
                  False),
    "price-text": (b'{"name": "a", "price": "9.99"}', ["body", "price"], "float_type", "9.99"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "loc", "type_", "input_"), NOT_A_NUMBER.values(), ids=NOT_A_NUMBER
)
def test_items_price_and_tax_must_be_finite_numbers(
    client: httpx.Client, body: bytes, loc: list[str], type_: str, input_: object
) -> None:
    r = client.post("/items", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert list(error) == ["type", "loc", "msg", "input"]
    assert (error["type"], error["loc"], error["input"]) == (type_, loc, input_)
    # nothing was stored, and the list still works
    assert client.get("/items/0").status_code == 404
    r = client.post("/items", json=WIDGET)
    assert r.status_code == 200, r.text
    exact(r.json(), [{"name": "Widget", "description": None, "price": 9.99, "tax": None}])


def test_items_whole_number_price_is_accepted(client: httpx.Client) -> None:
    r = client.post("/items", json={"name": "a", "price": 3, "tax": 0})
    assert r.status_code == 200, r.text
    exact(r.json(), [{"name": "a", "description": None, "price": 3.0, "tax": 0.0}])


NINES = "9" * 4300  # the longest integer Python reads or writes by default


@pytest.mark.parametrize(("x", "y"), [(NINES, "1"), ("-" + NINES, "-1")], ids=["plus", "minus"])
def test_add_result_too_long_for_json_is_422(client: httpx.Client, x: str, y: str) -> None:
    r = client.get("/add", params={"x": x, "y": y})
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert list(error) == ["type", "loc", "msg", "input"]
    assert error["loc"] == ["query"]
    assert "4300 digits" in error["msg"]
    assert error["input"] == {"x": x, "y": y}


def test_add_result_of_4300_digits_is_exact(client: httpx.Client) -> None:
    r = client.get("/add", params={"x": NINES, "y": "0"})
    assert r.status_code == 200, r.text
    assert r.text == '{"result":' + NINES + "}"


def test_add_big_integers_are_exact(client: httpx.Client) -> None:
    r = client.get("/add", params={"x": str(10**30), "y": str(2**64)})
    assert r.status_code == 200, r.text
    assert r.json() == {"result": 10**30 + 2**64}
