"""reference_app.ex1 answers every request of the lecture's ex1 transcripts exactly.

The 16 requests are replayed in lecture order against a fresh app served by uvicorn, and
each answer must equal the printed one in status, JSON value, JSON types (3, not 3.0) and key
order (error items are exactly type, loc, msg, input).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest
from reference_fixtures import exact, live_client

from reference_app.ex1 import create_app

NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"
WIDGET = {"name": "Widget", "description": None, "price": 9.99, "tax": None}
GADGET = {"name": "Gadget", "description": "A useful gadget", "price": 4.99, "tax": 0.25}


def _error(type_: str, loc: list[str], msg: str, input_: Any) -> dict[str, Any]:
    return {"type": type_, "loc": loc, "msg": msg, "input": input_}


class Request(NamedTuple):
    """One request of the lecture, and what the lecture prints for it."""

    id: str
    slide: str
    method: str
    path: str
    body: dict[str, Any] | None
    status: int
    expected: Any


TRANSCRIPT = [
    Request("hello-world", "FastAPI - Basic Example", "GET", "/", None, 200,
            {"message": "Hello World"}),
    Request("add-one-plus-one", "Query parameters", "GET", "/add?x=1&y=1", None, 200,
            {"result": 2}),
    Request("add-negative-x", "Query parameters", "GET", "/add?x=-7&y=12", None, 200,
            {"result": 5}),
    Request("add-y-defaults-to-0", "Query parameters", "GET", "/add?x=-7", None, 200,
            {"result": -7}),
    Request("add-missing-x-is-422", "Query parameters", "GET", "/add?y=-7", None, 422,
            {"detail": [_error("missing", ["query", "x"], "Field required", None)]}),
    Request("add-whole-floats-are-ints", "Type hinting", "GET", "/add?x=1.0&y=2.0", None, 200,
            {"result": 3}),
    Request("add-text-x-is-422", "Type hinting", "GET", "/add?x=abc&y=1", None, 422,
            {"detail": [_error("int_parsing", ["query", "x"], NOT_AN_INTEGER, "abc")]}),
    Request("add-fractions-are-422", "Type hinting", "GET", "/add?x=1.5&y=2.", None, 422,
            {"detail": [_error("int_parsing", ["query", "x"], NOT_AN_INTEGER, "1.5"),
                        _error("int_parsing", ["query", "y"], NOT_AN_INTEGER, "2.")]}),
    Request("user-with-name", "Path parameters", "GET", "/user/1234?name=Colin", None, 200,
            {"user_id": 1234, "name": "Colin"}),
    Request("user-without-name", "Path parameters", "GET", "/user/3141", None, 200,
            {"user_id": 3141}),
    Request("user-text-id-is-422", "Path parameters", "GET", "/user/Colin", None, 422,
            {"detail": [_error("int_parsing", ["path", "user_id"], NOT_AN_INTEGER, "Colin")]}),
    Request("items-post-widget", "Usage - Demo", "POST", "/items",
            {"name": "Widget", "price": 9.99}, 200, [WIDGET]),
    Request("items-post-gadget", "Usage - Demo", "POST", "/items",
            {"name": "Gadget", "price": 4.99, "description": "A useful gadget", "tax": 0.25},
            200, [WIDGET, GADGET]),
    Request("items-missing-price-is-422", "Usage - Demo", "POST", "/items", {"name": "Widget"},
            422, {"detail": [_error("missing", ["body", "price"], "Field required",
                                    {"name": "Widget"})]}),
    Request("items-get-first", "Error handling - HTTPException", "GET", "/items/0", None, 200,
            WIDGET),
    Request("items-get-missing-is-404", "Error handling - HTTPException", "GET", "/items/99",
            None, 404, {"detail": "Item not found"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def replay() -> dict[str, httpx.Response]:
    """Every transcript request, sent in lecture order to one fresh app; answers by id."""
    with live_client(create_app()) as client:
        return {req.id: client.request(req.method, req.path, json=req.body) for req in TRANSCRIPT}


def test_transcript_has_the_lectures_16_requests() -> None:
    assert len(TRANSCRIPT) == 16
    assert len({req.id for req in TRANSCRIPT}) == 16


@pytest.mark.parametrize("req", TRANSCRIPT, ids=[req.id for req in TRANSCRIPT])
def test_transcript_request_is_answered_exactly(
    replay: dict[str, httpx.Response], req: Request
) -> None:
    r = replay[req.id]
    assert r.status_code == req.status, r.text
    assert r.headers["content-type"] == "application/json", r.headers
    exact(r.json(), req.expected)


def test_add_result_is_a_json_integer(replay: dict[str, httpx.Response]) -> None:
    r = replay["add-whole-floats-are-ints"]
    assert r.text == '{"result":3}'
    assert type(r.json()["result"]) is int


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A client of a fresh ex1 app (empty items list) served by uvicorn."""
    with live_client(create_app()) as c:
        yield c


def test_user_empty_name_is_included(client: httpx.Client) -> None:
    r = client.get("/user/1", params={"name": ""})
    assert r.status_code == 200, r.text
    exact(r.json(), {"user_id": 1, "name": ""})


def test_items_every_item_has_all_four_keys(client: httpx.Client) -> None:
    r = client.post("/items", json={"name": "Thing", "price": 3, "tax": None})
    assert r.status_code == 200, r.text
    exact(r.json(), [{"name": "Thing", "description": None, "price": 3.0, "tax": None}])


def test_items_list_returns_every_item_in_order(client: httpx.Client) -> None:
    names = [f"item-{i}" for i in range(5)]
    for name in names:
        r = client.post("/items", json={"name": name, "price": 1.5})
        assert r.status_code == 200, r.text
    assert [item["name"] for item in r.json()] == names
    for i, name in enumerate(names):
        r = client.get(f"/items/{i}")
        assert r.status_code == 200, r.text
        assert r.json()["name"] == name


def test_items_route_has_no_trailing_slash(client: httpx.Client) -> None:
    r = client.post("/items/", json={"name": "Widget", "price": 9.99})
    assert r.status_code == 307, r.text
    assert r.headers["location"].endswith("/items")


def test_each_app_starts_with_no_items() -> None:
    for _ in range(2):
        with live_client(create_app()) as c:
            r = c.post("/items", json={"name": "only", "price": 1.0})
            assert r.status_code == 200, r.text
            assert len(r.json()) == 1


def test_module_level_app_serves_the_lecture() -> None:
    from reference_app.ex1 import app

    with live_client(app) as c:
        r = c.get("/")
        assert r.status_code == 200, r.text
        assert r.json() == {"message": "Hello World"}
