"""The lecture's transcripts as data: each request it shows, and what it printed back.

One module per exercise (``ex1``, ``ex2``). A case reads like the slide it comes from::

    Case("add-text-x-is-422", "Type hinting", get("/add?x=abc&y=1"), 422, {...})

Paths may name the state the case was set up in: ``{last}`` is the index of the last item
the setup requests' list held, ``{past_end}`` an index past its end (the lecture's 99, or the
list's length when a live server already holds more items than that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.expect import UNSET


@dataclass(frozen=True)
class Call:
    """One HTTP request, as the lecture writes it with ``requests``."""

    method: str
    path: str
    json: Any = UNSET

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def get(path: str) -> Call:
    return Call("GET", path)


def post(path: str, json: Any) -> Call:
    return Call("POST", path, json)


@dataclass(frozen=True)
class Png:
    """The body is a PNG image that decodes (content type image/png)."""


@dataclass(frozen=True)
class Redirect:
    """The response redirects to ``location`` (307 in ``--strict-lecture``, else any 3xx)."""

    location: str
    status: int = 307


@dataclass(frozen=True)
class FromFit:
    """The body follows from the server's own fit (its answer to the set-up ``POST /fit``):
    the same coefficients (``X`` None, for ``/coefs``), or its predictions for ``X``. The
    ``lecture`` body stands when that answer names no coefficients (see conformance.fitted)."""

    lecture: Any
    X: list[list[float]] | None = None

    def __repr__(self) -> str:
        return "(from the server's own fit)" if self.X is None else "(its fit's predictions)"


@dataclass(frozen=True)
class Stored:
    """The body is the item at that index of the list the set-up ``POST /items`` answered: what
    the server stored (how it stores an item is POST's rule). The ``lecture`` body stands when
    there is no such list."""

    lecture: Any

    def __repr__(self) -> str:
        return "(the item as the server's POST answered it)"


@dataclass(frozen=True)
class Case:
    """A request the lecture shows, and the status and body it printed for it."""

    id: str
    slide: str
    request: Call
    status: int
    body: Any = UNSET
    setup: tuple[Call, ...] = field(default=())
