"""Parameters over the registry: one test per exercise and per case, operation, body...

The generic suite modules (documented, openapi, schema) hold no exercise of their own: each of
their parameters carries its exercise's marker, so selection, targets and grading see it as
that exercise's test. A parameter's id is its own id (``add-one-plus-one``), prefixed with the
exercise only where two exercises would otherwise share it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import pytest
from _pytest.mark.structures import ParameterSet

from conformance import registry
from conformance.registry import Exercise

T = TypeVar("T")


def over_exercises(
    pick: Callable[[Exercise], Iterable[T]],
    ident: Callable[[T], str],
    slide: Callable[[T], str | None] = lambda _: None,
) -> list[ParameterSet]:
    """One ``pytest.param`` for each value ``pick`` gives, across every registered exercise."""
    found: list[tuple[Exercise, T]] = [
        (exercise, value) for exercise in registry.exercises() for value in pick(exercise)
    ]
    counts = Counter(ident(value) for _, value in found)
    params: list[ParameterSet] = []
    for exercise, value in found:
        name = ident(value)
        marks: list[Any] = [getattr(pytest.mark, exercise.name)]
        shown = slide(value)
        if shown:
            marks.append(pytest.mark.slide(shown))
        params.append(
            pytest.param(
                value, id=name if counts[name] == 1 else f"{exercise.name}-{name}", marks=marks
            )
        )
    return params


def labels(values: Sequence[Any]) -> list[str]:
    return [str(v) for v in values]
