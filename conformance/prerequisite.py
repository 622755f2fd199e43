"""Requests a test sends only to set up the state it judges.

A set-up request is held to what the test needs from it (an answer, with the JSON the next
step reads), never to the lecture's exact answer: that is judged by its own rule, in its own
tests. When a set-up request fails even that, the test cannot judge what it is for: it is
reported as blocked by the set-up's rule (a skip, which costs no points), not as a second
failure of the same mistake.
"""

from __future__ import annotations

from typing import Any

import httpx
from _pytest.outcomes import Skipped

from conformance import expect, rules


class Blocked(Skipped):
    """The test could not judge its rule: a request it needed to set up the state failed."""

    def __init__(self, blocked_by: str, why: str) -> None:
        super().__init__(f"blocked by {blocked_by}: {why}")
        self.blocked_by = blocked_by


def operation(response: httpx.Response) -> str:
    request = response.request
    return rules.operation_of(request.method, request.url.path) or (
        f"{request.method} {request.url.path}"
    )


def answered(response: httpx.Response, *, json: bool = True) -> Any:
    """The answer to a set-up request: a success status (redirects are followed, as requests
    does), and its JSON body when ``json``; else the test is :class:`Blocked`."""
    expect.judged(response)
    if not 200 <= response.status_code < 300:
        raise Blocked(operation(response), f"it answered {expect.describe_response(response)}")
    if not json:
        return None
    try:
        return response.json()
    except ValueError:
        raise Blocked(
            operation(response), f"its answer is not JSON: {expect.describe_response(response)}"
        ) from None


def listed(response: httpx.Response) -> list[Any]:
    """The answer to a set-up ``POST /items``: the list of items (else :class:`Blocked`)."""
    body = answered(response)
    if not isinstance(body, list) or not body:
        raise Blocked(
            operation(response),
            f"its answer is not the list of items: {expect.describe_response(response)}",
        )
    return body


def appended(client: httpx.Client, path: str, item: Any) -> list[Any]:
    """POST ``item`` twice to a list endpoint (``/items``): the list after the second. The
    test judges what it reads from that list, so it is blocked unless the answers are the
    whole list, grown by exactly one item each time (answering only the new item, keeping
    one of two equal items, or prepending is judged by POST's own rule)."""
    first = listed(client.post(path, json=item))
    response = client.post(path, json=item)
    then = listed(response)
    if len(then) != len(first) + 1 or then[:-1] != first:
        raise Blocked(
            operation(response),
            f"its answers are not the whole list grown by the item sent ({len(first)} items, "
            f"then {len(then)})",
        )
    return then
