"""The server under test: the embedded reference app, a student's URL, or an in-process app.

Each target hands out one ``httpx.Client`` for the whole session, behind a transport that
turns an unreachable or hanging server into one clear message instead of a page of errors,
and that caps how much of a response body it reads.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from conformance import EXERCISES
from conformance.live import serve

MAX_RESPONSE_BYTES = 20 * 1024 * 1024
"""Responses larger than this are cut off: no lecture endpoint sends anything near it."""

GIVE_UP_AFTER = 3
"""Consecutive connection failures or time-outs after which the server counts as gone."""


class ServerGone(httpx.TransportError):
    """The server could not be reached, stopped answering, or sent too much."""


class GuardedTransport(httpx.BaseTransport):
    """Wraps a transport: caps response size and total time, and stops trying a dead server."""

    def __init__(self, inner: httpx.BaseTransport, base_url: str, timeout: float) -> None:
        self.inner = inner
        self.base_url = base_url
        self.timeout = timeout
        self.failures = 0
        self.gone: str | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.gone:
            raise ServerGone(self.gone, request=request)
        started = time.monotonic()
        try:
            try:
                response = self.inner.handle_request(request)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                # A kept-alive connection the server closed (uvicorn does after a crash) fails
                # the next request before it is read: send it once more, on a new connection.
                response = self.inner.handle_request(request)
            content = self._read_capped(response, request, started)
        except httpx.ConnectError:
            self.gone = (
                f"could not connect to {self.base_url}: is the server running and "
                "listening on that address?"
            )
            raise ServerGone(self.gone, request=request) from None
        except (httpx.TimeoutException, TimeoutError):
            self.failures += 1
            message = f"no answer within {self.timeout:g} s: {request.method} {request.url}"
            if self.failures >= GIVE_UP_AFTER:
                self.gone = (
                    f"{self.base_url} stopped answering ({self.failures} requests in a row "
                    f"got no answer within {self.timeout:g} s); later requests were not sent"
                )
            raise ServerGone(message, request=request) from None
        self.failures = 0
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=content,
            request=request,
            extensions=response.extensions,
        )

    def _read_capped(
        self, response: httpx.Response, request: httpx.Request, started: float
    ) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.stream:  # type: ignore[union-attr]
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise ServerGone(
                        f"the response to {request.method} {request.url} is larger than "
                        f"{MAX_RESPONSE_BYTES // (1024 * 1024)} MiB; stopped reading",
                        request=request,
                    )
                if time.monotonic() - started > self.timeout:
                    raise TimeoutError
                chunks.append(chunk)
        finally:
            response.close()
        return b"".join(chunks)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Target:
    """One server under test, and the client the suite talks to it with."""

    exercise: str
    base_url: str
    client: httpx.Client
    description: str
    _stop: Callable[[], None] = field(default=lambda: None, repr=False)
    app: Any = None
    """The ASGI app itself, when it runs in this process (``--app``)."""

    def close(self) -> None:
        self.client.close()
        self._stop()


def make_client(
    base_url: str, timeout: float, inner: httpx.BaseTransport | None = None
) -> httpx.Client:
    """A client that behaves like ``requests`` in the lecture: it follows redirects."""
    if inner is None:
        # No Nagle delay: a small POST otherwise waits for the server's delayed ACK (~40 ms).
        inner = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    transport = GuardedTransport(inner, base_url, timeout)
    local = httpx.URL(base_url).host in {"127.0.0.1", "localhost", "::1", "testserver"}
    return httpx.Client(
        base_url=base_url,
        transport=transport,
        timeout=timeout,
        follow_redirects=True,
        trust_env=not local,  # a proxy from the environment never sees loopback traffic
    )


def remote(exercise: str, base_url: str, timeout: float) -> Target:
    base_url = base_url.rstrip("/")
    return Target(exercise, base_url, make_client(base_url, timeout), f"the server at {base_url}")


def embedded(exercise: str, timeout: float) -> Target:
    """The project's reference app for ``exercise``, served by uvicorn on loopback."""
    stack = contextlib.ExitStack()
    base_url = stack.enter_context(serve(f"reference_app.{exercise}:app"))
    return Target(
        exercise,
        base_url,
        make_client(base_url, timeout),
        f"the embedded reference app for {exercise} at {base_url}",
        stack.close,
    )


def in_process(exercise: str, spec: str, timeout: float, app: Any = None) -> Target:
    """The ASGI app ``spec`` names (or ``app``, already loaded), called without a server."""
    from conformance.inprocess import InProcessTransport

    if app is None:
        app = load_app(spec)
    base_url = "http://testserver"
    inner = InProcessTransport(app, timeout)
    return Target(
        exercise,
        base_url,
        make_client(base_url, timeout, inner),
        f"the app {spec} (in-process)",
        inner.close,
        app,
    )


def load_app(spec: str) -> Any:
    """Import ``module:attr`` or ``path/to/app.py`` (its ``app``), or ``path/to/folder``."""
    path = Path(spec.split(":")[0] if spec.endswith(".py") or "/" in spec else spec)
    attr = "app"
    if ":" in spec and not path.exists():
        module_name, attr = spec.split(":", 1)
        sys.path.insert(0, str(Path.cwd()))
        module = importlib.import_module(module_name)
    else:
        if path.is_dir():
            if not (path / "app.py").is_file():
                raise ValueError(f"the folder {spec} holds no app.py")
            path = path / "app.py"
        if not path.is_file():
            raise ValueError(f"no such file or module: {spec}")
        sys.path.insert(0, str(path.resolve().parent))
        module_spec = importlib.util.spec_from_file_location(f"_conformance_app_{path.stem}", path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ValueError(f"the module has no {attr!r}") from None


class Unreachable(LookupError):
    """The server did not answer at all."""


SIGNATURE_PATHS = {
    "ex1": {"/add", "/user/{user_id}", "/items", "/items/", "/items/{item_id}"},
    "ex2": {"/fit", "/predict", "/coefs", "/plot", "/reset"},
}


def detect_exercise(client: httpx.Client) -> str:
    """Which exercise a server implements, from the paths in its /openapi.json."""
    where = f"{client.base_url}/openapi.json"
    try:
        response = client.get("/openapi.json")
    except httpx.TransportError as error:
        raise Unreachable(str(error)) from None
    if response.status_code != 200:
        raise LookupError(f"{where} answered {response.status_code}, not 200")
    try:
        paths = set(response.json().get("paths", {}))
    except (ValueError, AttributeError):
        raise LookupError(f"{where} is not an OpenAPI document") from None
    scores = {name: len(paths & SIGNATURE_PATHS[name]) for name in EXERCISES}
    best = max(scores, key=lambda name: scores[name])
    if scores[best] == 0 or list(scores.values()).count(scores[best]) > 1:
        raise LookupError(f"{where} declares {sorted(paths) or 'no paths'}")
    return best
