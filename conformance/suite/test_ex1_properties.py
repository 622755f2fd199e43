"""ex1 properties: what the lecture's code does for every input, not only the slides' examples.

Each property is checked on generated inputs (how many: the hypothesis profile); a failure
is shrunk to the simplest request that still fails and shown like any other mismatch. Every
property starts from fixed examples chosen to expose the known kinds of mistake (a float sum,
a sum past 2**63, a name with spaces, URL escapes or nothing in it, a tax of 0, a tiny price,
an item posted twice), so whether a mistake is found never depends on the seed.
"""

from typing import Any

import httpx
import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from conformance import expect, profiles, stateful
from conformance import strategies as gen
from conformance.cases.ex1 import GADGET, WIDGET, stored
from conformance.matchers import EndsWith
from conformance.stateful import ClientMachine

pytestmark = pytest.mark.ex1


@pytest.mark.slide("Query parameters")
@profiles.suite_settings()
@given(x=gen.ints(), y=gen.ints())
@example(x=1, y=1)
@example(x=2**63, y=2**63)
@example(x=-(10**30), y=7)
def test_add_is_x_plus_y_for_any_ints(client: httpx.Client, x: int, y: int) -> None:
    note(f"x = {x}, y = {y}")
    expect.check(client.get("/add", params={"x": x, "y": y}), 200, {"result": x + y})


@pytest.mark.slide("Query parameters")
@profiles.suite_settings()
@given(x=gen.ints())
@example(x=-7)
@example(x=2**64)
def test_add_without_y_is_x_for_any_int(client: httpx.Client, x: int) -> None:
    note(f"x = {x}")
    expect.check(client.get("/add", params={"x": x}), 200, {"result": x})


@pytest.mark.slide("Path parameters")
@profiles.suite_settings()
@given(user_id=gen.ints())
@example(user_id=3141)
@example(user_id=-(10**30))
def test_user_echoes_any_int_id_without_a_name(client: httpx.Client, user_id: int) -> None:
    note(f"user_id = {user_id}")
    expect.check(client.get(f"/user/{user_id}"), 200, {"user_id": user_id})


@pytest.mark.slide("Path parameters")
@profiles.suite_settings()
@given(user_id=st.integers(), name=gen.texts())
@example(user_id=1234, name="Colin")
@example(user_id=1, name="  padded  ")
@example(user_id=2, name="")
@example(user_id=3, name="%41 a+b&c=d#e/f")
@example(user_id=4, name="Zoë 🚀 日本")
def test_user_echoes_any_name_verbatim(client: httpx.Client, user_id: int, name: str) -> None:
    note(f"user_id = {user_id}, name = {name!r}")
    response = client.get(f"/user/{user_id}", params={"name": name})
    expect.check(response, 200, {"user_id": user_id, "name": name})


@pytest.mark.slide("Usage - Demo")
@profiles.suite_settings()
@given(item=gen.items())
@example(item={"name": "Free sample", "description": "", "price": 0.0, "tax": 0.0})
@example(item={"name": "Tiny", "price": 1e-7, "tax": 1e-9})
@example(item={"name": "Huge", "price": 1e20})
@example(item={"name": "Whole", "price": 3, "description": None, "tax": None})
def test_items_post_returns_any_valid_item_unchanged(
    client: httpx.Client, item: dict[str, Any]
) -> None:
    note(f"item = {item!r}")
    expect.check(client.post("/items", json=item), 200, EndsWith((stored(item),)))


@pytest.mark.slide("Usage - Demo")
@profiles.suite_settings()
@given(bad=gen.invalid_items())
@example(bad=({"name": "Widget"}, {"price": "missing"}))
@example(bad=({"price": 1.0}, {"name": "missing"}))
@example(bad=({"name": "W", "price": 1.0, "tax": "abc"}, {"tax": "wrong"}))
@example(bad=({"name": 5, "price": "abc"}, {"name": "wrong", "price": "wrong"}))
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

    @initialize()
    def start_with_a_tour(self) -> None:
        """The same first steps every run (so what they find does not depend on the seed):
        the lecture's two items, one of them again, every item, and past the end."""
        for item in (WIDGET, GADGET, WIDGET):
            self.post(item)
        assert self.items is not None
        for back in range(3):
            self.get_an_item(back)
        self.get_past_the_end(0)

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
