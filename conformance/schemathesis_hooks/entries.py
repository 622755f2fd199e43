"""Each exercise's entry for the hooks (``Exercise.hooks``), read from the registry, and the
lecture's routes of an exercise as the hooks match requests to them."""

from __future__ import annotations

from conformance import domain, registry
from conformance.exercise_hooks import NO_HOOKS, ExerciseHooks


def entry(exercise: str) -> ExerciseHooks:
    """The entry of ``exercise`` (one that declares none, or no such exercise: no checks)."""
    try:
        found = registry.get(exercise).hooks
    except LookupError:
        return NO_HOOKS
    return found or NO_HOOKS


def route(label: str) -> str:
    """``label`` as routes are compared: ``"POST /items/"`` is ``"POST /items"``."""
    method, path = label.split(" ", 1)
    return f"{method.upper()} {path.rstrip('/') or '/'}"


def lecture_routes(exercise: str) -> tuple[str, ...]:
    """The routes of ``exercise`` (as :func:`route` writes them): those of its input domain,
    of its checks and of the operations it declares, in that order."""
    try:
        operations = registry.get(exercise).operations
    except LookupError:
        operations = ()
    labels = [
        *(op.label for op in domain.operations(exercise)),
        *(check.label for check in entry(exercise).checks),
        *(f"{op.method} {path}" for op in operations for path in op.paths),
    ]
    return tuple(dict.fromkeys(route(label) for label in labels))
