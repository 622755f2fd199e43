"""What the server holds, followed request by request, and how to bring the oracle there.

schemathesis sends its requests one after the other to one server, whose state (ex1: the items
list; ex2: the fitted model) carries over from request to request and from phase to phase.
The hooks follow that state from the answers themselves:

* ex1: every ``POST /items`` answers the whole list, so after one the list is known exactly;
* ex2: after a ``POST /fit`` of the input domain that answered 200 the model is the fit of that
  body; after ``GET /reset`` answered 200 there is none; a request outside the domain that was
  not refused (robust mode) leaves it unknown.

A state is a short text (canonical JSON), ``None`` when unknown (before the first request that
tells it). :func:`setup` gives the requests that bring a fresh oracle into a state: that is how
a request whose answer depends on earlier ones is judged (a fresh reference app per sequence,
the sequence being the state's setup and the request).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from conformance.cases import Call, post

State = str | None
"""Canonical JSON of what the server holds (ex1: the items list; ex2: the fit's body, or
``null`` before any fit); None when it is not known."""

UNFITTED = "null"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def initial(exercise: str) -> State:
    """Nothing is known about a server before its first answer (it may have served others)."""
    return None


def next_state(
    exercise: str,
    state: State,
    label: str,
    body: Any,
    *,
    in_domain: bool,
    status: int,
    answer: Any,
) -> State:
    """The state after the request ``label`` with ``body`` got ``status`` and ``answer``."""
    method, path = label.split(" ", 1)
    path = path.rstrip("/") or "/"
    if exercise == "ex1":
        if (method, path) == ("POST", "/items") and status == 200 and isinstance(answer, list):
            return canonical(answer)
        return state
    if (method, path) == ("POST", "/fit"):
        if not in_domain:
            return state if 400 <= status < 500 else None
        if status == 200 and isinstance(body, dict):
            return canonical({"X": body.get("X"), "y": body.get("y")})
        return state if 400 <= status < 500 else None
    if (method, path) == ("GET", "/reset"):
        return UNFITTED if status == 200 else None
    return state


def setup(exercise: str, state: str) -> tuple[Call, ...]:
    """The requests that bring a fresh reference app into ``state``."""
    held = json.loads(state)
    if exercise == "ex1":
        return tuple(post("/items", item) for item in held)
    return () if held is None else (post("/fit", held),)


def domain_state(exercise: str, state: State) -> Mapping[str, Any]:
    """The state as the input domain reads it (ex2: the fitted model's number of columns)."""
    if exercise != "ex2":
        return {}
    if state is None:
        return {"columns": None, "known": False}
    fit = json.loads(state)
    X = fit["X"] if isinstance(fit, dict) else None
    columns = len(X[0]) if isinstance(X, list) and X and isinstance(X[0], list) else None
    return {"columns": columns, "known": True}


def describe(exercise: str, state: str) -> list[str]:
    """The state in words, for a failure message ("after: ...")."""
    held = json.loads(state)
    if exercise == "ex1":
        return [
            f"the server held {len(held)} item(s) (its last POST /items answer): {_short(held)}"
        ]
    if held is None:
        return ["no model fitted (GET /reset answered, no POST /fit since)"]
    X = held["X"]
    return [f"POST /fit {_short(held)}  ({len(X)} rows, {len(X[0]) if X else 0} columns)"]


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
