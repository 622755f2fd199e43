"""The server under test: the embedded reference app, a student's URL, or an in-process app.

Each target hands out one ``httpx.Client`` for the whole session, behind the suite's guarded
transport (:mod:`conformance.transport`), and more clients on demand (:meth:`Target.new_client`):
each as a new ``requests`` call of the lecture's, with its own connection and no cookies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from conformance import appspec, openapi, registry
from conformance.expect import LectureMismatch
from conformance.live import serve
from conformance.settings import Settings
from conformance.transport import GuardedTransport, StateLog, guard_of, make_client


@dataclass
class Target:
    """One server under test, and the client the suite talks to it with."""

    base_url: str
    client: httpx.Client
    _stop: Callable[[], None] = field(default=lambda: None, repr=False)
    _spawn: Callable[[], httpx.Client] | None = field(default=None, repr=False)

    @property
    def transport(self) -> GuardedTransport:
        guard = guard_of(self.client)
        assert guard is not None
        return guard

    def new_client(self) -> httpx.Client:
        """Another client for the same server, as a new ``requests`` call of the lecture's
        would be: its own connections, no cookies, no history. The caller closes it."""
        if self._spawn is not None:
            return self._spawn()
        guard = self.transport
        return make_client(self.base_url, guard.timeout, strict=guard.strict, log=guard.log)

    def close(self) -> None:
        self.client.close()
        self._stop()


class _Shared(httpx.BaseTransport):
    """An in-process app's transport lent to another client: closing that client leaves the
    app running (the session's own client closes it)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)


def remote(base_url: str, timeout: float, *, strict: bool = False) -> Target:
    base_url = base_url.rstrip("/")
    return Target(base_url, make_client(base_url, timeout, strict=strict))


def embedded(exercise: str, timeout: float, *, strict: bool = False) -> Target:
    """The project's reference app for ``exercise``, served by uvicorn on loopback."""
    stack = contextlib.ExitStack()
    base_url = stack.enter_context(serve(registry.get(exercise).create_app()))
    return Target(base_url, make_client(base_url, timeout, strict=strict), stack.close)


def in_process(app: Any, timeout: float, *, strict: bool = False) -> Target:
    """``app``, already loaded, called without a server."""
    from conformance.inprocess import InProcessTransport

    base_url = "http://testserver"
    inner = InProcessTransport(app, timeout)

    log = StateLog()

    def spawn() -> httpx.Client:
        return make_client(base_url, timeout, _Shared(inner), strict=strict, log=log)

    client = make_client(base_url, timeout, inner, strict=strict, log=log)
    return Target(base_url, client, inner.close, spawn)


class Unreachable(LookupError):
    """The server did not answer at all."""


class OtherExercise(LookupError):
    """The server clearly implements another exercise than the one named: one sentence."""

    def __init__(self, where: str, named: str, served: str) -> None:
        self.named, self.served = named, served
        super().__init__(
            f"{where} serves {registry.get(served).title}, not {registry.get(named).title}, "
            f"the exercise being checked: submit the {named} app, or check this one as {served} "
            f"(--exercise {served})"
        )


def detect_exercise(client: httpx.Client) -> str:
    """Which exercise a server implements, from the paths in its /openapi.json."""
    where = f"{client.base_url}/openapi.json"
    try:
        document = openapi.fetch(client)
    except httpx.TransportError as error:
        raise Unreachable(str(error)) from None
    except LectureMismatch as error:
        raise LookupError(f"{where}: {error.failure.where}") from None
    paths = set(document.spec["paths"])
    found = registry.detect(paths)
    if found is None:
        raise LookupError(f"{where} declares {sorted(paths) or 'no paths'}")
    return found


class Targets:
    """The servers under test in this session, created the first time a test needs one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.exercise = settings.exercise
        self.loaded_app: Any = None
        self._targets: dict[str, Target] = {}

    def load_app(self) -> None:
        """Import ``--app`` (trusted code only); a clear usage error when it names no app."""
        assert self.settings.app is not None
        try:
            self.loaded_app = appspec.load(appspec.resolve(self.settings.app))
        except (ValueError, ImportError, SyntaxError) as error:
            raise pytest.UsageError(f"--app {error}") from None

    def get(self, exercise: str, base_url: str | None) -> Target:
        if exercise not in self._targets:
            settings = self.settings
            if settings.app:
                if self.loaded_app is None:
                    self.load_app()
                target = in_process(self.loaded_app, settings.timeout, strict=settings.strict)
            elif base_url:
                target = remote(base_url, settings.timeout, strict=settings.strict)
            else:
                target = embedded(exercise, settings.timeout, strict=settings.strict)
            self._targets[exercise] = target
        return self._targets[exercise]

    def selected(self) -> tuple[str, ...]:
        """The exercises to run; with an external server, detected when not named.

        Raises :class:`Unreachable` (the server does not answer), :class:`OtherExercise` (it
        serves another exercise than the one named) or ``LookupError`` (it is not one of the
        exercises)."""
        if self.exercise:
            if self.settings.external:
                self._check_served(self.exercise)
            return (self.exercise,)
        if not self.settings.external:
            return registry.names()
        probe = self.get("", self.settings.base_url)
        self.exercise = detect_exercise(probe.client)
        self._targets[self.exercise] = self._targets.pop("")
        return (self.exercise,)

    def _check_served(self, named: str) -> None:
        """Raise :class:`OtherExercise` when the server's /openapi.json plainly declares
        another exercise, :class:`Unreachable` when it does not answer; a server whose
        /openapi.json tells nothing is checked as named (its own tests say what is wrong)."""
        target = self.get(named, self.settings.base_url)
        try:
            served = detect_exercise(target.client)
        except Unreachable:
            raise  # no answer at all: said once, as before any test
        except LookupError:
            return
        if served != named:
            raise OtherExercise(self.settings.base_url or str(self.settings.app), named, served)

    def check_reachable(self, exercise: str) -> None:
        """Raise :class:`Unreachable` when the server under test does not answer at all."""
        if not self.settings.base_url:
            return
        target = self.get(exercise, self.settings.base_url)
        try:
            target.client.get("/openapi.json")
        except httpx.TransportError as error:
            raise Unreachable(str(error)) from None

    def close(self) -> None:
        for target in self._targets.values():
            target.close()
        self._targets.clear()
