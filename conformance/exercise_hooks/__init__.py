"""What the schemathesis hooks know of an exercise, declared in its registry entry.

The hooks (:mod:`conformance.schemathesis_hooks`) are the same for every exercise: they
iterate over the registry, and each exercise's ``Exercise.hooks`` (an :class:`ExerciseHooks`,
written in ``conformance/exercise_hooks/<exercise>.py``) says the rest:

* ``checks``: the lecture's rules as schemathesis custom checks, one per route, each named for
  what it guarantees (the names ``--checks`` and ``--exclude-checks`` take);
* ``state``: what the server holds and how each answer changes it (:class:`Followed`), so that
  a request whose answer depends on earlier ones is judged by an oracle in the same state;
* ``guarded``, ``repairs`` and ``shapes`` (default mode): which generated requests are kept
  inside the lecture's input domain, and how requests are nudged to where mistakes hide;
* ``robust_statuses`` (robust mode): the statuses the lecture documents beyond schemathesis'
  defaults, for ``positive_data_acceptance``;
* ``routes`` and ``links``: what is added to the server's /openapi.json before schemathesis
  reads it.

Operations are named by labels, the method and the lecture's route: ``"POST /items"``. Nothing
here imports schemathesis: the registry loads these entries in every run of the suite, and the
hooks register themselves only when schemathesis loads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from conformance.cases import Call

Held = str | None
"""What the server holds, as canonical JSON (:func:`canonical`): ex1's items list, ex2's last
fit; None while it is not known (before the first answer that tells it)."""


def canonical(value: Any) -> str:
    """``value`` as one text: equal values, equal texts."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def short(value: Any, limit: int = 300) -> str:
    """``value`` as JSON, cut to ``limit`` characters (for a failure message)."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


@dataclass(frozen=True)
class Answered:
    """A request the server (or the oracle) answered, as the followed state reads it."""

    label: str
    """``"POST /items"``: the method and the lecture's route, without a trailing slash."""
    body: Any
    """The request's JSON body (``UNSET`` without one, ``NOT_JSON`` when it is none)."""
    in_domain: bool
    """The request is in the lecture's input domain (in the state before it)."""
    status: int
    answer: Any
    """The answer's JSON document; None when it is not JSON."""


def _unchanged(held: Held, answered: Answered) -> Held:
    return held


def _no_setup(held: str) -> tuple[Call, ...]:
    return ()


def _no_words(held: str) -> list[str]:
    return []


def _read_by_no_rule(held: Held) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class Followed:
    """What the server holds, followed request by request from its own answers.

    The default holds nothing: every answer is judged as a fresh server's.
    """

    fresh: str = "null"
    """What a server holds right after start-up (canonical JSON): what a fresh oracle holds."""
    after: Callable[[Held, Answered], Held] = _unchanged
    """What the server holds after ``answered``, given what it held before (None: unknown)."""
    setup: Callable[[str], tuple[Call, ...]] = _no_setup
    """The requests that bring a fresh reference app to hold ``held``."""
    describe: Callable[[str], list[str]] = _no_words
    """What is held, in words, for a failure message (each line follows ``after: ``)."""
    domain: Callable[[Held], Mapping[str, Any]] = _read_by_no_rule
    """What is held, as the input domain reads it (``conformance.domain.shape.State``)."""


STATELESS = Followed()


@dataclass(frozen=True)
class LectureCheck:
    """A rule of the lecture about one route, guarded by the custom check named ``name``.

    Every check is judged the same way: the request goes to the oracle as well, in the state
    the server was in, and the two answers are compared by the suite's equivalence rules. The
    fields below say where a route departs from that.
    """

    name: str
    """The check's name (``add_query_parameters``): public, ``--checks`` takes it."""
    label: str
    """The route it is about (``"GET /add"``)."""
    says: str
    """The rule, as the failure's first line says it."""
    slide: str
    """The lecture's slide it comes from."""
    stateful: bool = False
    """The answer depends on what the server holds (judged only once that is known)."""
    held_before: Callable[[httpx.Response], Held] | None = None
    """For a stateful route whose answer tells what the server held before it (POST /items
    answers the whole list): that, when the followed state does not know it."""
    image: bool = False
    """The answer is a PNG picture of what the server holds: while that is unknown any 200
    must be a PNG; when it holds more than a fresh server, the picture is judged by the
    metamorphic rules (the same state the same image, another state another one), never
    pixel by pixel; in the fresh state it is compared with the oracle's answer as usual."""
    redirects_to: str | None = None
    """The lecture's answer is a redirect to this path on the same server: the oracle does not
    follow it, and an answer that schemathesis followed there (the route declaring no 3xx)
    is accepted."""


@dataclass(frozen=True)
class Draft:
    """A generated request, as a shaping function (``ExerciseHooks.shapes``) sees it."""

    body: Any
    """The JSON body (anything schemathesis generated; ``UNSET`` without one)."""
    query: Mapping[str, Any]
    path_parameters: Mapping[str, Any]
    held: Held
    """What the server holds (None: not known)."""
    domain: Mapping[str, Any]
    """What it holds, as the input domain reads it (:attr:`Followed.domain`)."""


@dataclass(frozen=True)
class Route:
    """A route the lecture's code serves but does not declare (``include_in_schema=False``):
    added to a server's /openapi.json that lacks its path, so that it is checked too."""

    path: str
    item: Mapping[str, Any]
    """The OpenAPI path item that is added (``{"get": {...}}``)."""
    what: str
    """What was added, in words (``conformance: added <what>``)."""


@dataclass(frozen=True)
class Link:
    """An OpenAPI link added to the server's /openapi.json, so that schemathesis' stateful
    phase sends ``target`` after ``source`` answered 200 (a sequence where the state matters)."""

    name: str
    source: str
    """``"POST /fit"``."""
    target: str
    """``"POST /predict"``."""
    body: Any = None
    """The target's request body, as a link's runtime expression (``{"X": "$request.body#/X"}``);
    None: schemathesis generates it."""


@dataclass(frozen=True, eq=False)
class ExerciseHooks:
    """Everything the schemathesis hooks know of one exercise beyond its operations and its
    input domain (both in its registry entry too)."""

    checks: tuple[LectureCheck, ...] = ()
    """The lecture's rules as custom checks, one per route (a route without one is judged by
    no check of its own; another method on a route is ``http_methods``' business)."""
    state: Followed = STATELESS
    guarded: frozenset[str] = frozenset()
    """Routes whose requests outside the input domain are not sent in the default mode: the
    lecture's code could stay broken after them (POST /items with a NaN price)."""
    repairs: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    """Per guarded route: a JSON object body outside the domain is not dropped but replaced by
    one inside it (POST /fit: well-posed data of the same width)."""
    shapes: Mapping[str, Callable[[Draft], Draft]] = field(default_factory=dict)
    """Per route: how a generated request is nudged to where mistakes hide (default mode)."""
    robust_statuses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per route: statuses the lecture documents for requests its OpenAPI calls valid (400
    from /plot before a fit), accepted by ``positive_data_acceptance`` in the robust mode."""
    routes: tuple[Route, ...] = ()
    links: tuple[Link, ...] = ()


NO_HOOKS = ExerciseHooks()
"""The entry of an exercise that declares none: no checks of its own, nothing followed."""
