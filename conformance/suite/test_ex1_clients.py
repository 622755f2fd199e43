"""ex1 with more than one client: the items list is one list, shared by every client.

The lecture's clients are separate ``requests`` calls (each its own connection, no cookies), so
an item one client posted is there for the next. Its POST /items handler is ``async def`` with
no ``await``: uvicorn runs it on its one event loop from start to end, so requests that overlap
are still stored one after the other, each exactly once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance import expect, profiles
from conformance.cases.ex1 import stored
from conformance.matchers import EndsWith
from conformance.overlap import at_once

pytestmark = [pytest.mark.ex1, pytest.mark.slide("Usage - Demo")]

OVERLAPPING = 12
"""POST /items requests sent at one moment, each from its own client."""

ROUNDS = 2


def post_item(client: httpx.Client, item: dict[str, Any]) -> list[Any]:
    """POST a valid item; the server's whole list, which must end with it."""
    body: list[Any] = expect.check(client.post("/items", json=item), 200, EndsWith((stored(item),)))
    return body


@pytest.mark.slide("Error handling - HTTPException")
def test_items_get_sees_an_item_another_client_posted(
    client: httpx.Client, new_client: Callable[[], httpx.Client]
) -> None:
    item = {"name": "Posted by another client", "price": 2.5, "tax": 0.5}
    items = post_item(new_client(), item)
    index = len(items) - 1
    expect.check(client.get(f"/items/{index}"), 200, stored(item))
    expect.check(new_client().get(f"/items/{index}"), 200, stored(item))


def test_items_post_overlapping_requests_each_stored_once(
    client: httpx.Client, new_client: Callable[[], httpx.Client]
) -> None:
    token = run_token()
    for round in range(ROUNDS):
        items = [
            {"name": f"overlap {token} {round}-{i}", "price": float(i)} for i in range(OVERLAPPING)
        ]
        before = post_item(client, {"name": f"before {token} {round}", "price": 1.0})
        clients = [new_client() for _ in items]
        answers = at_once(clients, post_each(items), warm=open_connection)
        for answer, item in zip(answers, items, strict=True):
            check_own_answer(answer, before, stored(item))
        closing = {"name": f"after {token} {round}", "price": 1.0}
        last = client.post("/items", json=closing)
        final = expect.check(last, 200, EndsWith((stored(closing),)))
        check_every_item_once(last, final, before, [stored(item) for item in items])
        for answer in answers:
            if answer.json() != final[: len(answer.json())]:
                raise expect.fail(
                    answer,
                    expected="the list as it stood at this request: the start of the list the "
                    "next POST /items answers",
                    where="$: the list differs from the later list's first items",
                )


def run_token() -> str:
    """A word in the items' names that the run's seed decides (a regrade with the same seed
    sends the same requests; another seed sends others), without showing the seed itself."""
    seed = profiles.forced_seed() or 0
    return hashlib.sha256(f"overlap {seed}".encode()).hexdigest()[:8]


def open_connection(client: httpx.Client, _: int) -> None:
    """A request that changes nothing, so that the client's connection is open."""
    expect.check(client.get("/add?x=0"), 200, {"result": 0})


def post_each(items: list[dict[str, Any]]) -> Callable[[httpx.Client, int], httpx.Response]:
    def post(client: httpx.Client, index: int) -> httpx.Response:
        return client.post("/items", json=items[index])

    return post


def check_own_answer(answer: httpx.Response, before: list[Any], own: dict[str, Any]) -> None:
    """One of the overlapping POSTs: 200, the list as before plus new items, its own once."""
    expect.check(answer, 200)
    body = expect.response_json(answer)
    expected = "200 and the whole list: the items before, then the new ones, this one once"
    if not isinstance(body, list):
        raise expect.fail(
            answer, expected=expected, where=f"$: not a list: {expect.json_type(body)}"
        )
    if body[: len(before)] != before:
        raise expect.fail(
            answer,
            expected=expected,
            where=f"$: its first {len(before)} items are not the ones the list held before",
        )
    count = body[len(before) :].count(own)  # a re-run may have stored the same item before
    if count != 1:
        raise expect.fail(
            answer,
            expected=expected,
            where=f"$: this request's item is among the new items {count} times",
        )


def check_every_item_once(
    last: httpx.Response, final: list[Any], before: list[Any], overlapping: list[dict[str, Any]]
) -> None:
    """After the overlapping POSTs: every item they sent, each exactly once, after ``before``."""
    middle = final[len(before) : -1]
    counts = Counter(expect.to_json(item) for item in middle)
    lost = [item for item in overlapping if counts[expect.to_json(item)] == 0]
    twice = [item for item in overlapping if counts[expect.to_json(item)] > 1]
    if final[: len(before)] == before and len(middle) == len(overlapping) and not lost + twice:
        return
    where = (
        f"$: before this request, {len(overlapping)} POST /items were sent at once, each from "
        f"its own client; the list gained {len(middle)} items"
    )
    if lost:
        where += f"; lost: {', '.join(repr(item['name']) for item in lost[:3])}"
        where += f" and {len(lost) - 3} more" if len(lost) > 3 else ""
    if twice:
        where += f"; stored twice: {', '.join(repr(item['name']) for item in twice[:3])}"
    raise expect.fail(
        last,
        expected=f"the {len(before)} items from before, each of the {len(overlapping)} items "
        f"posted at once exactly once (in any order), then the last one",
        got=f"{len(final)} items",
        where=where,
    )
