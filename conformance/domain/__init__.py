"""The input domain, per exercise and operation: the requests on which the lecture's code
answers the one answer every correct server gives (see :mod:`conformance.domain.shape`).

Each exercise's registry entry holds its routes' :class:`~conformance.domain.shape.OperationDomain`s
(``Exercise.domain``, from ``conformance/domain/<exercise>.py``); :func:`in_domain` asks one
question of them.
"""

from __future__ import annotations

from conformance import registry
from conformance.domain.shape import OperationDomain, Request, State


def operations(exercise: str) -> tuple[OperationDomain, ...]:
    """The routes of ``exercise`` the domain lists (none for an exercise without a domain)."""
    try:
        found = registry.get(exercise).domain
    except LookupError:
        return ()
    return tuple(found or ())


def operation(exercise: str, label: str) -> OperationDomain | None:
    """The operation ``label`` ("POST /items") of ``exercise``; a trailing slash on the path
    is tolerated (the comparison slide spells POST /items/)."""
    method, path = label.split(" ", 1)
    for op in operations(exercise):
        op_method, op_path = op.label.split(" ", 1)
        if op_method == method and (op_path.rstrip("/") or "/") == (path.rstrip("/") or "/"):
            return op
    return None


def operations_exercise(labels: set[str]) -> str | None:
    """The exercise these operations ("METHOD /path") belong to, by the registry's rule."""
    return registry.detect({label.split(" ", 1)[1] for label in labels})


def in_domain(exercise: str, request: Request, state: State) -> bool:
    """Does the lecture's code give ``request`` (in ``state``) the only right answer?

    A route the domain does not list is FastAPI's own 404 or 405: in the domain.
    """
    op = operation(exercise, request.label)
    return op is None or op.answers(request, state)


__all__ = ["OperationDomain", "Request", "State", "in_domain", "operation", "operations_exercise"]
