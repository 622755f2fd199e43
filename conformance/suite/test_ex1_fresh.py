"""ex1 from a freshly started server: the slides' requests, literally, in the lecture's order.

Hello, the /add and /user transcripts, then the "Usage - Demo": on the lecture's server the
first POST /items answers the Widget alone, the Gadget makes two, the item without a price is
a 422, GET /items/0 is the Widget and /items/99 a 404. These run before every other test
(marker ``fresh``); see :mod:`conformance.fresh` for when the starting state counts.
"""

from __future__ import annotations

import httpx
import pytest

from conformance import expect, fresh
from conformance.cases import Case
from conformance.cases.ex1 import CASES, STORED_WIDGET
from conformance.failure import shorten
from conformance.fresh import Journal, Step, StepBlocked
from conformance.matchers import EndsWith
from conformance.transcript import check_answer, send

pytestmark = [pytest.mark.ex1, pytest.mark.fresh]

CASE = {case.id: case for case in CASES}

LIST = "items"
"""The journal's key for the list the last POST /items answered (None: not a list)."""


def stateless(case: Case) -> Step:
    """A transcript request whose answer does not depend on the server's state."""

    def check(client: httpx.Client, journal: Journal) -> None:
        check_answer(send(client, case.request), case)

    return Step(case.id, case.slide, check)


def post_first_widget(client: httpx.Client, journal: Journal) -> None:
    case = CASE["items-post-widget"]
    response = send(client, case.request)
    remember_list(response, journal)
    # The rule for any server: 200 and the whole list, ending with the Widget.
    body = expect.check(response, 200, EndsWith((STORED_WIDGET,)))
    if len(body) > 1:
        earlier = expect.to_json(body[0])
        raise journal.not_fresh(
            response,
            held="items in the list",
            lecture="starts empty",
            expected="200 [Widget] alone: the lecture's list starts empty, so its first "
            f"POST /items answers {expect.to_json([STORED_WIDGET])}",
            where=f"$: {len(body) - 1} item(s) were in the list before the first POST, "
            f"the first {shorten(earlier, 100)}",
        )


def post_gadget(client: httpx.Client, journal: Journal) -> None:
    case = CASE["items-post-gadget"]
    assert isinstance(case.body, EndsWith)
    response = send(client, case.request)
    remember_list(response, journal)
    # From the lecture's start the list holds exactly what the transcript shows.
    expect.check(response, 200, list(case.body.tail))


def remember_list(response: httpx.Response, journal: Journal) -> None:
    """The list a POST /items answered, right or wrong, for GET /items/0 to be judged by."""
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        body = None
    journal.answers[LIST] = body if isinstance(body, list) else None


def get_first_item(client: httpx.Client, journal: Journal) -> None:
    # GET /items/0 returns what the list the last POST /items answered holds at 0 (the Widget,
    # when the POSTs above were right); with no such list there is nothing to judge it by.
    items = journal.answers.get(LIST)
    if not isinstance(items, list) or not items:
        raise StepBlocked("POST /items gave no list to read item 0 from (see items-post-gadget)")
    case = CASE["items-get-widget"]
    expect.check(client.get("/items/0"), case.status, items[0])


def get_past_the_end(client: httpx.Client, journal: Journal) -> None:
    case = CASE["items-get-past-end-is-404"]
    expect.check(client.get("/items/99"), case.status, case.body)


STEPS = [
    *(stateless(case) for name, case in CASE.items() if not name.startswith("items-")),
    Step("items-post-widget", "Usage - Demo", post_first_widget),
    Step("items-post-gadget", "Usage - Demo", post_gadget, needs_start=True),
    stateless(CASE["items-post-without-price-is-422"]),
    Step("items-get-widget", "Error handling - HTTPException", get_first_item, needs_start=True),
    Step(
        "items-get-past-end-is-404",
        "Error handling - HTTPException",
        get_past_the_end,
        needs_start=True,
    ),
]


@pytest.mark.parametrize("step", fresh.params(STEPS, pytest.mark.ex1))
def test_fresh_start(request: pytest.FixtureRequest, client: httpx.Client, step: str) -> None:
    fresh.report(request, client, "ex1", STEPS, step)
