"""The input domain, per exercise and operation: the requests on which the lecture's code
answers the one answer every correct server gives (see :mod:`conformance.domain.rules`).

``OPERATIONS[exercise]`` lists each route's :class:`~conformance.domain.rules.Operation`;
:func:`in_domain` asks one question of it.
"""

from __future__ import annotations

from conformance.domain import ex1, ex2
from conformance.domain.rules import Operation, Request, State

OPERATIONS: dict[str, tuple[Operation, ...]] = {"ex1": ex1.OPERATIONS, "ex2": ex2.OPERATIONS}


def operation(exercise: str, label: str) -> Operation | None:
    """The operation ``label`` ("POST /items") of ``exercise``; a trailing slash on the path
    is tolerated (the comparison slide spells POST /items/)."""
    method, path = label.split(" ", 1)
    for op in OPERATIONS.get(exercise, ()):
        op_method, op_path = op.label.split(" ", 1)
        if op_method == method and (op_path.rstrip("/") or "/") == (path.rstrip("/") or "/"):
            return op
    return None


def exercise_of(labels: set[str]) -> str | None:
    """The exercise whose operations these are (the one sharing the most labels), or None."""
    scores = {name: sum(1 for label in labels if operation(name, label)) for name in OPERATIONS}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] and list(scores.values()).count(scores[best]) == 1 else None


def in_domain(exercise: str, request: Request, state: State) -> bool:
    """Does the lecture's code give ``request`` (in ``state``) the only right answer?

    A route the domain does not list is FastAPI's own 404 or 405: in the domain.
    """
    op = operation(exercise, request.label)
    return op is None or op.answers(request, state)


__all__ = ["OPERATIONS", "Operation", "Request", "State", "exercise_of", "in_domain", "operation"]
