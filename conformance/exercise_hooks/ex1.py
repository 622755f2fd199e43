"""What the schemathesis hooks know of ex1: its five rules as checks, the items list followed
from the answers, and names and item ids nudged to where mistakes hide.

Every ``POST /items`` answers the whole list, so after one the list is known exactly; a fresh
server holds none. Requests outside the domain are never sent to ``POST /items`` in the default
mode: a NaN price leaves the lecture's code answering 500 to every later POST.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import TYPE_CHECKING

from conformance.cases import Call, post
from conformance.exercise_hooks import ExerciseHooks, Followed, LectureCheck, canonical, short
from conformance.strategies import URL_PIECES

if TYPE_CHECKING:
    import httpx

    from conformance.exercise_hooks import Answered, Draft, Held


def held_before_post(response: httpx.Response) -> str:
    """What the server held before a POST /items, from its answer: all but the last item."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return canonical(answer[:-1] if isinstance(answer, list) and answer else [])


CHECKS = (
    LectureCheck("hello_world", "GET /", 'GET / answers {"message": "Hello World"}',
                 "FastAPI - Basic Example"),
    LectureCheck("add_query_parameters", "GET /add",
                 "GET /add answers {\"result\": x + y} for int x and y (y defaults to 0), else "
                 "the 422 FastAPI gives", "Query parameters"),
    LectureCheck("user_path_parameter", "GET /user/{user_id}",
                 "GET /user/{user_id} echoes the int user_id, and name only when it is given",
                 "Path parameters"),
    LectureCheck("items_post_appends", "POST /items",
                 "POST /items appends the Item and answers the whole list", "Request body",
                 stateful=True, held_before=held_before_post),
    LectureCheck("items_get_by_index", "GET /items/{item_id}",
                 "GET /items/{item_id} answers the item at that index, 404 'Item not found' "
                 "past the end", "Error handling - HTTPException", stateful=True),
)  # fmt: skip


def after(held: Held, answered: Answered) -> Held:
    """The list a POST /items answered 200 with; nothing else changes it."""
    ok = answered.status == 200 and isinstance(answered.answer, list)
    return canonical(answered.answer) if answered.label == "POST /items" and ok else held


def setup(held: str) -> tuple[Call, ...]:
    """The items posted in order."""
    return tuple(post("/items", item) for item in json.loads(held))


def describe(held: str) -> list[str]:
    items = json.loads(held)
    return [f"the server held {len(items)} item(s) (its last POST /items answer): {short(items)}"]


def varied_name(name: str) -> str:
    """``name``, or (chosen by the name itself) padded with spaces or ending in a piece of
    text that means something in a URL ("%41", "+", "&"...): a server that tidies or decodes
    the name a second time answers those wrongly, and random text rarely holds them."""
    if not name:
        return name  # the empty name is a case of its own
    pick = int(hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:8], 16)
    if pick % 3 == 0:
        return name
    if pick % 3 == 1:
        return f" {name} "
    return name + URL_PIECES[pick // 3 % len(URL_PIECES)]


def near_the_end(item_id: int, held: int) -> int:
    """An index, half of the time moved to the edge of the list (its last item, or the first
    index past its end), where an off-by-one in a bounds check shows."""
    return (item_id, held, max(held - 1, 0), item_id)[item_id % 4]


def vary_the_name(draft: Draft) -> Draft:
    """GET /user/{user_id}: a given name is varied (:func:`varied_name`)."""
    name = draft.query.get("name")
    if not isinstance(name, str):
        return draft
    return replace(draft, query={**draft.query, "name": varied_name(name)})


def ids_near_the_end(draft: Draft) -> Draft:
    """GET /items/{item_id}: once the list is known, an id half of the time at its edge."""
    if draft.held is None or not draft.path_parameters:
        return draft
    (name, value), *_ = draft.path_parameters.items()
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return draft
    moved = near_the_end(value, len(json.loads(draft.held)))
    return replace(draft, path_parameters={**draft.path_parameters, name: moved})


HOOKS = ExerciseHooks(
    checks=CHECKS,
    state=Followed(fresh="[]", after=after, setup=setup, describe=describe),
    guarded=frozenset({"POST /items"}),
    shapes={"GET /user/{user_id}": vary_the_name, "GET /items/{item_id}": ids_near_the_end},
)
