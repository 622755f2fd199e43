"""ex1 /items: what "Request body", "Usage" and "Error handling" imply.

A live server may already hold items (from earlier runs or other tests), so every check
works from the list the server returns, never from an assumed empty list.
"""

from typing import Any

import httpx
import pytest

from conformance import expect
from conformance.cases.ex1 import stored
from conformance.matchers import EndsWith
from conformance.prerequisite import Blocked, appended, listed, operation

pytestmark = [pytest.mark.ex1, pytest.mark.slide("Usage - Demo")]


def post_item(client: httpx.Client, item: dict[str, Any]) -> list[Any]:
    """POST a valid item to set up a test: the server's whole list (POST /items is judged by
    its own tests; here it need only answer the whole list, see conformance.prerequisite)."""
    return appended(client, "/items", item)


def test_items_post_appends_exactly_one(client: httpx.Client) -> None:
    before = listed(client.post("/items", json={"name": "Sprocket", "price": 1.25}))
    item = {"name": "Cog", "description": "A small cog", "price": 0.1, "tax": 0.02}
    response = client.post("/items", json=item)
    expect.check(response, 200, [*before, stored(item)])


def test_items_post_returns_every_field_unchanged(client: httpx.Client) -> None:
    item = {"name": "Zoë's ünïcode thing", "description": "", "price": 1e-7, "tax": 12345.678}
    response = client.post("/items", json=item)
    expect.check(response, 200, EndsWith((stored(item),)))


def test_items_keep_zero_and_empty_values(client: httpx.Client) -> None:
    # 0, 0.0 and "" are values, not "nothing": `item.tax or None` would lose them.
    item = {"name": "Free sample", "description": "", "price": 0.0, "tax": 0.0}
    response = client.post("/items", json=item)
    expect.check(response, 200, EndsWith((stored(item),)))


@pytest.mark.parametrize(
    "item",
    [
        {"name": "Only a price", "price": 3.5},
        {"name": "With description", "price": 3.5, "description": "words"},
        {"name": "With tax", "price": 3.5, "tax": 0.5},
    ],
    ids=["neither", "no-tax", "no-description"],
)
def test_items_optional_fields_are_null_when_left_out(
    client: httpx.Client, item: dict[str, Any]
) -> None:
    response = client.post("/items", json=item)
    expect.check(response, 200, EndsWith((stored(item),)))


@pytest.mark.slide("Error handling - HTTPException")
def test_items_get_returns_each_item(client: httpx.Client) -> None:
    items = post_item(client, {"name": "Indexed", "price": 2.0})
    # Every index of a small list; an even spread (first and last included) of a large one.
    count = len(items)
    indexes = (
        sorted({round(i * (count - 1) / 49) for i in range(50)}) if count > 50 else range(count)
    )
    for index in indexes:
        expect.check(client.get(f"/items/{index}"), 200, items[index])


@pytest.mark.slide("Error handling - HTTPException")
def test_items_get_past_the_end_is_404(client: httpx.Client) -> None:
    count = len(post_item(client, {"name": "Last", "price": 2.0}))
    for index in (count, count + 1, count + 1000):
        expect.check(client.get(f"/items/{index}"), 404, {"detail": "Item not found"})


@pytest.mark.slide("Error handling - HTTPException")
def test_items_id_must_be_an_integer(client: httpx.Client) -> None:
    expect.check_error(client.get("/items/first"), ["path", "item_id"])


@pytest.mark.slide("Request body")
@pytest.mark.parametrize("field", ["name", "price"])
def test_items_required_field_missing_is_422(client: httpx.Client, field: str) -> None:
    item = {"name": "Gizmo", "price": 9.5}
    del item[field]
    before = listed(client.post("/items", json={"name": "Before", "price": 1.0}))
    expect.check_error(client.post("/items", json=item), ["body", field], "missing")
    response = client.post("/items", json={"name": "After", "price": 1.0})
    after = listed(response)
    if len(after) < len(before) + 1:  # the probe did not append: POST's own rule says so
        raise Blocked(
            operation(response),
            f"the valid POST after the refused one did not grow the list by one ({len(before)} "
            f"items, then {len(after)})",
        )
    if len(after) != len(before) + 1:
        with expect.judging("POST /items", "refusal"):
            raise expect.fail(
                None,
                expected=f"the rejected item not stored: {len(before) + 1} items after one "
                "more POST",
                got=f"{len(after)} items",
                where="$: a POST that was answered 422 changed the list",
            )


# Only the location is checked: the error's type depends on how strict the model's
# types are ("float_parsing" in lax mode, "float_type" in strict mode), and both are right.
MISTYPED = {
    "name-is-a-number": ({"name": 5, "price": 1.0}, "name"),
    "price-is-text": ({"name": "Gizmo", "price": "abc"}, "price"),
    "price-is-null": ({"name": "Gizmo", "price": None}, "price"),
    "description-is-a-number": ({"name": "G", "price": 1.0, "description": 5}, "description"),
    "tax-is-text": ({"name": "Gizmo", "price": 1.0, "tax": "abc"}, "tax"),
}


@pytest.mark.slide("Request body")
@pytest.mark.parametrize(("item", "field"), MISTYPED.values(), ids=MISTYPED.keys())
def test_items_mistyped_field_is_422(
    client: httpx.Client, item: dict[str, Any], field: str
) -> None:
    expect.check_error(client.post("/items", json=item), ["body", field])
