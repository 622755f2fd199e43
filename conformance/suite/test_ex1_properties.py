"""ex1 properties: what the lecture's code does for every input, not only the slides' examples.

Each property is checked on generated inputs (how many: the hypothesis profile); a failure
is shrunk to the simplest request that still fails and shown like any other mismatch.
"""

from typing import Any

import httpx
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from conformance import expect, profiles, stateful
from conformance import strategies as gen
from conformance.cases.ex1 import stored
from conformance.matchers import EndsWith
from conformance.stateful import ClientMachine

pytestmark = pytest.mark.ex1


@pytest.mark.slide("Query parameters")
@profiles.suite_settings()
@given(x=gen.ints(), y=gen.ints())
def test_add_is_x_plus_y_for_any_ints(client: httpx.Client, x: int, y: int) -> None:
    note(f"x = {x}, y = {y}")
    expect.check(client.get("/add", params={"x": x, "y": y}), 200, {"result": x + y})


@pytest.mark.slide("Query parameters")
@profiles.suite_settings()
@given(x=gen.ints())
def test_add_without_y_is_x_for_any_int(client: httpx.Client, x: int) -> None:
    note(f"x = {x}")
    expect.check(client.get("/add", params={"x": x}), 200, {"result": x})


@pytest.mark.slide("Path parameters")
@profiles.suite_settings()
@given(user_id=gen.ints())
def test_user_echoes_any_int_id_without_a_name(client: httpx.Client, user_id: int) -> None:
    note(f"user_id = {user_id}")
    expect.check(client.get(f"/user/{user_id}"), 200, {"user_id": user_id})


@pytest.mark.slide("Path parameters")
@profiles.suite_settings()
@given(user_id=st.integers(), name=gen.texts())
def test_user_echoes_any_name_verbatim(client: httpx.Client, user_id: int, name: str) -> None:
    note(f"user_id = {user_id}, name = {name!r}")
    response = client.get(f"/user/{user_id}", params={"name": name})
    expect.check(response, 200, {"user_id": user_id, "name": name})


@pytest.mark.slide("Usage - Demo")
@profiles.suite_settings()
@given(item=gen.items())
def test_items_post_returns_any_valid_item_unchanged(
    client: httpx.Client, item: dict[str, Any]
) -> None:
    note(f"item = {item!r}")
    expect.check(client.post("/items", json=item), 200, EndsWith((stored(item),)))


@pytest.mark.slide("Usage - Demo")
@profiles.suite_settings()
@given(bad=gen.invalid_items())
def test_items_post_rejects_each_broken_field_at_its_loc(
    client: httpx.Client, bad: tuple[dict[str, Any], dict[str, str]]
) -> None:
    item, how = bad
    note(f"item = {item!r}, broken = {how!r}")
    response = client.post("/items", json=item)
    expect.check(response, 422)
    for field, kind in how.items():
        expect.check_error(response, ["body", field], "missing" if kind == "missing" else None)
    body = expect.response_json(response)
    locs = sorted(str(error.get("loc")) for error in body["detail"] if isinstance(error, dict))
    wanted = sorted(str(["body", field]) for field in how)
    if locs != wanted:
        raise expect.fail(
            response,
            expected=f"422 with one detail item for each broken field, at {wanted}",
            where=f"$.detail: items at {locs}",
        )


class ItemsList(ClientMachine):
    """POST /items and GET /items/{i} behave like appending to and indexing a list.

    The server may hold items already: the model learns the list from the first POST.
    """

    def __init__(self, client: httpx.Client) -> None:
        super().__init__(client)
        self.items: list[Any] | None = None

    @rule(item=gen.items())
    def post(self, item: dict[str, Any]) -> None:
        response = self.client.post("/items", json=item)
        expected = EndsWith((stored(item),)) if self.items is None else [*self.items, stored(item)]
        self.items = expect.check(response, 200, expected)

    # Draws never depend on the server's list (hypothesis replays them): an item counted back
    # from the end, wrapping around, so shrinking heads for the newest item.
    @precondition(lambda self: self.items is not None)
    @rule(back=st.integers(min_value=0, max_value=2**16))
    def get_an_item(self, back: int) -> None:
        assert self.items is not None
        index = len(self.items) - 1 - back % len(self.items)
        expect.check(self.client.get(f"/items/{index}"), 200, self.items[index])

    @precondition(lambda self: self.items is not None)
    @rule(offset=st.integers(0, 1000))
    def get_past_the_end(self, offset: int) -> None:
        assert self.items is not None
        index = len(self.items) + offset
        response = self.client.get(f"/items/{index}")
        expect.check(response, 404, {"detail": "Item not found"})


@pytest.mark.slide("Error handling - HTTPException")
def test_items_behave_like_a_list(client: httpx.Client) -> None:
    stateful.run(ItemsList, client)
