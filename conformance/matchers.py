"""Matchers that may stand inside an expected JSON body where plain equality is too strict.

Plain values in an expected body match exactly, type included (3 is not 3.0, true is not 1).
These stand where the lecture implies a looser rule: numbers from a least-squares fit
(close, not equal), lists that other clients may have added to (ends with), and 422 error
items that newer FastAPI versions decorate with extra keys (partial).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AnyJson:
    """Any JSON body at all (the check is that it is JSON)."""

    def __repr__(self) -> str:
        return "(any JSON)"

    def mismatch(self, actual: Any) -> str | None:
        return None


def is_number(value: Any) -> bool:
    """A JSON number: int or float, never a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Close:
    """A JSON number within ``rel`` (relative) or ``abs`` (absolute) of ``value``."""

    value: float
    rel: float = 1e-6
    abs: float = 1e-9

    def __repr__(self) -> str:
        return f"≈{self.value!r}"

    def mismatch(self, actual: Any) -> str | None:
        if not is_number(actual):
            return f"expected a number close to {self.value!r}, got {_short(actual)}"
        if not math.isclose(actual, self.value, rel_tol=self.rel, abs_tol=self.abs):
            return (
                f"expected {self.value!r} (within {self.rel:g} relative or {self.abs:g} "
                f"absolute), got {actual!r}"
            )
        return None


def close_all(values: Sequence[float], rel: float = 1e-6, abs: float = 1e-9) -> list[Close]:
    """A list of :class:`Close`, one for each value."""
    return [Close(float(v), rel, abs) for v in values]


def close_numbers(value: Any) -> Any:
    """``value`` with every number a :class:`Close` (lists and objects are walked, other
    values kept): a JSON answer of numbers a fit computes, as an expected body."""
    if is_number(value):
        return Close(float(value))
    if isinstance(value, list):
        return [close_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: close_numbers(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class EndsWith:
    """A JSON list whose last items are exactly ``tail`` (earlier items may be anything)."""

    tail: tuple[Any, ...]

    def __repr__(self) -> str:
        return f"[..., {', '.join(repr(t) for t in self.tail)}]"


class ErrorItem(dict[str, Any]):
    """One item of a 422 ``detail`` list: extra keys such as ``url`` or ``ctx`` are
    tolerated, unless the run is ``--strict-lecture``."""


def error(type: str, loc: list[Any], msg: str, input: Any) -> ErrorItem:
    """A 422 detail item as the lecture prints it."""
    return ErrorItem(type=type, loc=loc, msg=msg, input=input)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
