"""One ``schemathesis run``: which exercise, which mode, and the state followed so far.

A :class:`Run` is made when schemathesis has loaded the server's /openapi.json
(``after_load_schema``) and found again from every hook and check through the schema.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from schemathesis import BaseSchema

from conformance import domain, registry
from conformance.exercise_hooks import ExerciseHooks, Held
from conformance.oracle import Images
from conformance.schemathesis_hooks.entries import entry
from conformance.schemathesis_hooks.exchange import Exchange
from conformance.schemathesis_hooks.links import listed
from conformance.schemathesis_hooks.mirror import Mirror
from conformance.schemathesis_hooks.state import next_held
from conformance.targets import detect_exercise

ROBUST_ENV = "CONFORMANCE_ROBUST"
"""Set to 1 for the robust mode: every input, and schemathesis' own robustness checks."""

EXERCISE_ENV = "CONFORMANCE_EXERCISE"
"""The exercise's name, when it cannot be told from the server's /openapi.json (as the suite)."""

_MOCK = "http://server/openapi.json"

_REMEMBERED = 10_000
"""How many requests' earlier states are kept for their checks (they run right after)."""


class NotALectureServer(LookupError):
    """The /openapi.json declares no exercise's operations (or several alike)."""


def robust_requested(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ROBUST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def document_exercise(
    document: dict[str, Any], location: str | None = None, environ: Mapping[str, str] = os.environ
) -> str:
    """The exercise, from ``CONFORMANCE_EXERCISE`` or detected as the suite detects it (from
    the paths of ``document``, the /openapi.json schemathesis read at ``location``)."""
    named = environ.get(EXERCISE_ENV, "").strip()
    if named:
        if named not in registry.names():
            known = ", ".join(registry.names())
            raise NotALectureServer(f"{EXERCISE_ENV}={named!r}: expected one of {known}")
        return named

    def answer(request: httpx.Request) -> httpx.Response:  # the document schemathesis read
        return httpx.Response(200, json=document)

    base_url = (location or _MOCK).rsplit("/", 1)[0]
    with httpx.Client(base_url=base_url, transport=httpx.MockTransport(answer)) as client:
        try:
            return detect_exercise(client)
        except LookupError as error:
            said = str(error).replace(_MOCK, "its /openapi.json")
            raise NotALectureServer(
                f"cannot tell which exercise this server implements: {said}; "
                f"set {EXERCISE_ENV}={listed(registry.names(), 'or')}"
            ) from None


@dataclass(frozen=True)
class Seen:
    """A request schemathesis sent, its answer, and the server's state before it."""

    before: Held
    exchange: Exchange
    in_domain: bool


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None


@dataclass
class Run:
    """The exercise, the mode, and the server's state as its answers tell it."""

    exercise: str
    hooks: ExerciseHooks
    """What the exercise's registry entry tells the hooks (its checks, its state...)."""
    robust: bool
    parallel: bool
    """More than one worker: requests interleave, so no state is known for sure."""
    mirror: Mirror
    images: Images = field(default_factory=Images)
    state: Held = None
    _seen: OrderedDict[str, Seen] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, case_id: str, exchange: Exchange) -> None:
        """Record the request with the state before it, then follow the state to after it."""
        with self._lock:
            before = self.state
            in_domain = domain.in_domain(
                self.exercise, exchange.domain, self.hooks.state.domain(before)
            )
            self._seen[case_id] = Seen(before, exchange, in_domain)
            while len(self._seen) > _REMEMBERED:
                self._seen.popitem(last=False)
            self.state = next_held(
                self.hooks.state, before, exchange.label, exchange.body,
                in_domain=in_domain, status=exchange.response.status_code,
                answer=_json(exchange.response),
            )  # fmt: skip

    def seen(self, case_id: str) -> Seen | None:
        """The request ``case_id``, with the state the server was in when it got it."""
        with self._lock:
            found = self._seen.get(case_id)
        if found is not None and self.parallel:
            return Seen(None, found.exchange, found.in_domain)
        return found

    def close(self) -> None:
        self.mirror.close()


class Runs:
    """The runs of this process, by schema (``schemathesis run`` makes one)."""

    def __init__(self) -> None:
        self._by_document: dict[int, Run] = {}
        self._last: Run | None = None

    def start(self, schema: BaseSchema) -> Run:
        exercise = document_exercise(schema.raw_schema, schema.location)
        hooks = entry(exercise)
        workers = getattr(schema.config, "workers", 1)
        run = Run(
            exercise=exercise,
            hooks=hooks,
            robust=robust_requested(),
            parallel=isinstance(workers, int) and workers > 1,
            mirror=Mirror(exercise, hooks.state),
        )
        self._by_document[id(schema.raw_schema)] = run
        self._last = run
        return run

    def of(self, schema: BaseSchema) -> Run | None:
        return self._by_document.get(id(schema.raw_schema), self._last)

    def close(self) -> None:
        for run in self._by_document.values():
            run.close()


RUNS = Runs()
"""This process's runs (a ``schemathesis run`` is one process, with one run)."""
