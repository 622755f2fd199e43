"""The shape of an input domain: one :class:`OperationDomain` per route, saying on which requests
the lecture's code answers the one answer every correct server must give.

Outside the domain are the requests on which the lecture's code crashes (a 500, or a state it
cannot recover from) and those on which it answers one of several right answers (the lax
coercion of ``"9.99"`` to a float, which a strict server may refuse; the minimiser of a
least-squares problem that has many). The default tier sends only requests inside the
domain; the robust tier covers the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis.strategies import SearchStrategy

from conformance.cases import Call
from conformance.expect import UNSET
from conformance.oracle import Numbers

State = Mapping[str, Any]
"""What the server holds that decides whether a request is in the domain (ex2: the number of
columns of the fitted model, under ``"columns"``, None before any fit)."""


@dataclass(frozen=True)
class Request:
    """One request, as the domain reads it: the route's template and the parsed inputs."""

    method: str
    template: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = UNSET

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"


def always(request: Request, state: State) -> bool:
    """Every request of this operation is answered."""
    return True


def no_setup(request: Request) -> tuple[tuple[Call, ...], State]:
    """The request's answer does not depend on what the server holds."""
    return (), {}


@dataclass(frozen=True)
class OperationDomain:
    """One route of the lecture's code and the part of its inputs that is in the domain."""

    label: str
    answers: Callable[[Request, State], bool] = always
    """True for a request (in a state) on which the lecture's answer is the only right one."""
    crashes: tuple[str, ...] = ()
    """Where the lecture's code crashes, in words (so those inputs are outside)."""
    either: tuple[str, ...] = ()
    """Where the lecture's answer is one of several right ones (so those are outside too)."""
    setup: Callable[[Request], tuple[tuple[Call, ...], State]] = no_setup
    """Requests that bring a server into a state where ``answers`` can hold, and that state."""
    numbers: Numbers = "exact"
    bodies: SearchStrategy[Any] | None = None
    """Bodies inside the domain, where it is too narrow for a generator to land in by chance."""
    """How the numbers of the answer compare (see :data:`conformance.oracle.Numbers`)."""


# --- helpers the exercises' domains are written with ---------------------------------------


def is_number(value: Any) -> bool:
    """A JSON number: int or float, never a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite(value: Any, bound: float = math.inf) -> bool:
    """A JSON number that is finite as a float (and at most ``bound`` in size)."""
    if not is_number(value):
        return False
    try:
        return math.isfinite(float(value)) and abs(float(value)) <= bound
    except OverflowError:  # an int too large for a float: the lecture's float() makes it inf
        return False


def no_text_or_bools(value: Any) -> bool:
    """No string and no bool anywhere in ``value``: where the lecture reads a number, its lax
    float turns ``"1.5"`` and ``true`` into numbers, which a strict server may refuse."""
    if isinstance(value, str | bool):
        return False
    if isinstance(value, list):
        return all(no_text_or_bools(v) for v in value)
    if isinstance(value, dict):
        return all(no_text_or_bools(v) for v in value.values())
    return True


def matrix_shape(X: Any) -> tuple[int, int] | None:
    """(rows, columns) when ``X`` is a non-empty list of equally long, non-empty lists."""
    if not isinstance(X, list) or not X or not all(isinstance(row, list) for row in X):
        return None
    width = len(X[0])
    if width == 0 or any(len(row) != width for row in X):
        return None
    return len(X), width
