"""The lecture's rules: what each check judges, so that a broken rule costs points once, in
the group of the endpoint it belongs to.

Most checks judge an answer of one operation of the lecture's API (``POST /fit``) against what
the lecture shows or implies. Such a check judges one *aspect* of that operation's answers:

* ``refusal``: a request the lecture refuses is refused the same way (status and detail);
* ``shape``: the status, keys, JSON types and lengths of an answer the lecture gives;
* ``media``: for a picture, its status and content type instead (a PNG for ``/plot``);
* ``values``: the values in it (the sum, the echoed name, the coefficients, the picture).

A rule holds when a check verified it and none found it broken: an aspect a check could not
reach (the values of an answer whose keys are wrong) is not held, so a server that answers
nothing right earns nothing.

A rule is an operation and an aspect: ``POST /fit: values``. Whichever test finds a rule broken
(a documented transcript, a property, a sequence, a schemathesis case), it is the same rule,
charged once, to the rubric group of its operation. Checks that judge no answer of the API
(what ``/openapi.json`` declares) are rules of their own: the test's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from conformance import registry

ASPECTS: dict[str, str] = {
    "refusal": "refuses what the lecture refuses, with its status and detail",
    "media": "answers the lecture's status and content type",
    "shape": "answers with the lecture's status, keys, JSON types and lengths",
    "values": "answers the lecture's values",
}
"""Each aspect of an operation's answers, as a rule's sentence ends. The status of an answer
the lecture gives (a 200, a redirect) is part of its shape (its media, for a picture)."""

DECLARATION = "declaration"
"""The aspect of a check that judges what the server declares (its OpenAPI document), not an
answer of the API: charged to the test's own rubric group, under the test's name."""

JSON_ASPECTS = ("refusal", "shape", "values")
"""The aspects of an operation that answers JSON (its content type counts as its shape)."""


@dataclass(frozen=True, order=True)
class Rule:
    """One rule: an operation's aspect (``POST /fit: values``), or a declaration check."""

    operation: str
    """``"POST /fit"``; for a declaration rule, the test's name."""
    aspect: str

    @property
    def id(self) -> str:
        if self.aspect == DECLARATION:
            return self.operation
        return f"{self.operation}: {self.aspect}"

    @property
    def text(self) -> str:
        """The rule as a sentence a student reads."""
        if self.aspect == DECLARATION:
            return self.operation.removeprefix("test_").replace("_", " ")
        own = _texts().get((self.operation, self.aspect))
        return f"{self.operation} {own or ASPECTS.get(self.aspect, self.aspect)}"

    @classmethod
    def parse(cls, text: str) -> Rule:
        operation, sep, aspect = text.rpartition(": ")
        if sep and aspect in ASPECTS:
            return cls(operation, aspect)
        return cls(text, DECLARATION)


@cache
def _texts() -> dict[tuple[str, str], str]:
    """Sentences an exercise gives its own rules (``Operation.rules``)."""
    found: dict[tuple[str, str], str] = {}
    for exercise in registry.exercises():
        for op in exercise.operations:
            for aspect, text in op.rules.items():
                found[(op.label, aspect)] = text
    return found


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path.rstrip("/") or "/")
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p)
    return re.compile(body + "/?")


@cache
def _routes() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    routes = []
    for exercise in registry.exercises():
        for op in exercise.operations:
            for path in op.paths:
                routes.append((op.method, _template(path), op.label))
        routes.append(("GET", _template("/"), "GET /"))
    return tuple(routes)


def operation_of(method: str, path: str) -> str | None:
    """The lecture's operation a request is sent to (``"GET /items/{item_id}"``), if any."""
    for route_method, pattern, label in _routes():
        if route_method == method.upper() and pattern.fullmatch(path):
            return label
    return None


def aspects_of(operation: str) -> tuple[str, ...]:
    """The aspects an operation's answers are judged on (its rules), from the registry."""
    for exercise in registry.exercises():
        for op in exercise.operations:
            if op.label == operation:
                return op.aspects
    return JSON_ASPECTS


def rules_of(operation: str) -> tuple[Rule, ...]:
    return tuple(Rule(operation, aspect) for aspect in aspects_of(operation))


def charged(operation: str, aspect: str) -> Rule:
    """The rule a broken ``aspect`` of ``operation`` counts against: the aspect itself when the
    operation is judged on it, else the nearest one it is judged on (a JSON answer's content
    type is part of its shape; a redirect's target is its value)."""
    own = aspects_of(operation)
    if aspect in own:
        return Rule(operation, aspect)
    fallbacks = {
        "status": ("shape", "media"),
        "media": ("shape", "values"),
        "refusal": ("shape", "media"),
        "shape": ("media", "values"),
    }
    for fallback in fallbacks.get(aspect, ()):
        if fallback in own:
            return Rule(operation, fallback)
    return Rule(operation, own[-1] if own else aspect)


@cache
def _flagged(flag: str) -> frozenset[str]:
    """The labels of the registry's operations whose ``flag`` (``changes_state``...) is set."""
    return frozenset(
        op.label
        for exercise in registry.exercises()
        for op in exercise.operations
        if getattr(op, flag)
    )


def changes_state(operation: str) -> bool:
    """Whether requests to ``operation`` change what the server holds (see the registry)."""
    return operation in _flagged("changes_state")


def resets_state(operation: str) -> bool:
    """Whether requests to ``operation`` bring back the start-up state (see the registry)."""
    return operation in _flagged("resets_state")
