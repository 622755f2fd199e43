"""How the suite talks to a server: bounded, same-origin, and with a memory of what it sent.

Every request the suite sends goes through :class:`GuardedTransport`, which

* gives each request one total deadline, covering connect, headers and body together (a
  server that answers one byte a second cannot stretch it: every socket read and write is
  given only what is left of it);
* reads at most :data:`MAX_RESPONSE_BYTES` of a body, counted after decompression (it decodes
  gzip and deflate itself, so a compression bomb stops at the cap);
* sends nothing outside the server under test: a redirect to another origin fails with a
  clear message instead of being followed;
* turns an unreachable or hanging server into one clear message instead of a page of errors;
* records each exchange of the running test (and of each hypothesis example), and hands that
  history, with the run's settings, to the checks on every response (:func:`context_of`).

The client keeps no cookies: the lecture's ``requests.get(...)`` calls each start a new
session, so a cookie a server sets never comes back to it with the next request.
"""

from __future__ import annotations

import functools
import math
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpcore
import httpx

from conformance.failure import Earlier, Sent

MAX_RESPONSE_BYTES = 20 * 1024 * 1024
"""Responses larger than this (decompressed) are cut off: no lecture endpoint sends that much."""

GIVE_UP_AFTER = 3
"""Consecutive connection failures or time-outs after which the server counts as gone."""

ACCEPTED_ENCODINGS = "gzip, deflate"
"""What the suite asks for: the encodings it decodes itself, under the byte cap."""


class ServerGone(httpx.TransportError):
    """The server could not be reached, stopped answering, or sent too much."""


class OffOrigin(httpx.TransportError):
    """A redirect pointed away from the server under test."""


@dataclass(frozen=True)
class Prelude:
    """The first ``count`` requests of a :class:`StateLog`'s list, read only when a failure
    needs them (the list is only ever appended to, so they stay what they were)."""

    changes: list[Sent]
    count: int

    def requests(self) -> tuple[Sent, ...]:
        return tuple(self.changes[: self.count])


class StateLog:
    """The requests that changed what one server holds, in the order they were answered: since
    it started, or since the last request that brings back its start-up state (``/reset``).
    Shared by every client the suite talks to that server with."""

    def __init__(self) -> None:
        self.changes: list[Sent] = []

    def record(self, operation: str | None, sent: Sent) -> bool:
        """Note ``sent`` (a request to ``operation``); whether it brought back the start-up
        state, so that nothing sent before it matters any more."""
        from conformance import rules

        if operation is None:
            return False
        if rules.resets_state(operation):
            self.changes = []  # a new list: the preludes taken so far keep theirs
            return True
        if rules.changes_state(operation):
            self.changes.append(sent)
        return False

    def mark(self) -> Prelude:
        """What was sent so far, for a test (or example) that starts now."""
        return Prelude(self.changes, len(self.changes))


@dataclass
class Context:
    """What a check needs to know about a response beyond the response itself."""

    history: tuple[Earlier, ...] = ()
    """The requests sent before this one in the same test (or hypothesis example)."""
    strict: bool = False
    """``--strict-lecture``: compare to the letter."""
    sent: Sent | None = None
    """The request this response answers (for the audit of unchecked responses)."""
    judged: bool = False
    """Set by every check that looks at the response (``expect.judged``)."""
    assessed: set[str] = field(default_factory=set)
    """The rules (``conformance.rules``) the checks of the running test have judged, whether
    they held or not: shared by every response of the test."""
    verified: set[str] = field(default_factory=set)
    """The rules those checks found to hold (a rule judged but never verified does not)."""
    startup: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    """What the server answered each operation before the first request that changes its state
    (its start-up state), shared by every response of the run: ``/reset`` must bring it back."""
    prelude: Prelude = field(default_factory=lambda: Prelude([], 0))
    """What earlier tests sent that changed what the server holds, before this test's (or
    hypothesis example's) first request: a failure's replay sends it first."""


CONTEXT = "conformance.context"


def context_of(response: httpx.Response) -> Context:
    """The context the suite's transport attached to ``response`` (empty for any other)."""
    found = response.extensions.get(CONTEXT)
    return found if isinstance(found, Context) else Context()


# --- one deadline for the whole request ----------------------------------------------------


class _Deadline(threading.local):
    at: float = math.inf

    def left(self) -> float:
        return self.at - time.monotonic()


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self.inner = inner
        self.deadline = deadline

    def _clamp(self, timeout: float | None, error: type[Exception]) -> float:
        left = self.deadline.left()
        if left <= 0:
            raise error("the request's deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self._clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self._clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self.inner.start_tls(*args, **kwargs), self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """The default network backend, with every connect, read and write held to the deadline."""

    def __init__(self, deadline: _Deadline) -> None:
        self.inner = httpcore.SyncBackend()
        self.deadline = deadline

    def _timeout(self, timeout: float | None) -> float:
        left = self.deadline.left()
        if left <= 0:
            raise httpcore.ConnectTimeout("the request's deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self.inner.connect_tcp(
            host, port, self._timeout(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self.deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self.inner.connect_unix_socket(path, self._timeout(timeout), socket_options)
        return _DeadlineStream(stream, self.deadline)

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once: loading the certificates takes ~0.1 s, and the
    suite makes a client for each of several overlapping requests."""
    return httpx.create_ssl_context()


def network_transport(deadline: _Deadline) -> httpx.HTTPTransport:
    """httpx's own transport over a backend that keeps every socket call to ``deadline``."""
    # No Nagle delay: a small POST otherwise waits for the server's delayed ACK (~40 ms).
    options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    transport = httpx.HTTPTransport(socket_options=options, verify=_ssl_context())
    transport._pool = httpcore.ConnectionPool(
        ssl_context=_ssl_context(),
        socket_options=options,
        network_backend=_DeadlineBackend(deadline),
    )
    return transport


# --- decoding under the cap ------------------------------------------------------------------


class _Capped:
    """Collects a body, decoding gzip or deflate, and refuses more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []
        self.encoding = encoding
        if encoding in ("", "identity"):
            self.decoder: Any = None
        elif encoding in ("gzip", "x-gzip"):
            self.decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.decoder = zlib.decompressobj()
        else:
            raise ValueError(f"a body encoded as {encoding!r}, which was not asked for")
        self._first = True

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise OverflowError
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self.decoder is None:
            self._keep(chunk)
            return
        if self._first and self.encoding == "deflate" and chunk[:1] != b"\x78":
            self.decoder = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
        self._first = False
        data = chunk
        while data:
            out = self.decoder.decompress(data, self.limit - self.size + 1)
            self._keep(out)
            data = self.decoder.unconsumed_tail

    def body(self) -> bytes:
        if self.decoder is not None:
            self._keep(self.decoder.flush())
        return b"".join(self.parts)


# --- the transport ---------------------------------------------------------------------------


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


class GuardedTransport(httpx.BaseTransport):
    """Wraps a transport: one deadline per request, a byte cap, same origin only, a history."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        base_url: str,
        timeout: float,
        *,
        strict: bool = False,
        deadline: _Deadline | None = None,
        log: StateLog | None = None,
    ) -> None:
        self.inner = inner
        self.base_url = base_url
        self.origin = _origin(httpx.URL(base_url))
        self.timeout = timeout
        self.strict = strict
        self.deadline = deadline or _Deadline()
        self.failures = 0
        self.gone: str | None = None
        self.history: list[Earlier] = []
        self.received: list[Context] = []
        self.assessed: set[str] = set()
        self.verified: set[str] = set()
        self.startup: dict[str, tuple[int, bytes]] = {}
        self.pristine = True
        self.log = log if log is not None else StateLog()
        self.prelude = self.log.mark()
        self._example: object = None

    def new_test(self) -> None:
        """Forget the history and the rules judged: a new test starts."""
        self.history = []
        self.received = []
        self.assessed = set()
        self.verified = set()
        self.prelude = self.log.mark()
        self._example = None

    def unjudged(self) -> list[Sent]:
        """The requests of this test whose answers no check looked at."""
        return [c.sent for c in self.received if not c.judged and c.sent is not None]

    def _current_history(self) -> list[Earlier]:
        """The history of the running hypothesis example (a new one starts empty)."""
        from hypothesis.control import current_build_context
        from hypothesis.errors import InvalidArgument

        try:
            example: object = current_build_context()
        except InvalidArgument:
            example = None
        if example is not self._example:
            if example is not None:
                self.history = []
                self.prelude = self.log.mark()
            self._example = example
        return self.history

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _origin(request.url) != self.origin:
            raise OffOrigin(
                f"a redirect led to {request.url}, away from the server under test "
                f"({self.base_url}); the suite follows redirects only within that server",
                request=request,
            )
        if self.gone:
            raise ServerGone(self.gone, request=request)
        history = self._current_history()
        self.deadline.at = time.monotonic() + self.timeout
        try:
            try:
                response = self.inner.handle_request(request)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                # A kept-alive connection the server closed (uvicorn does after a crash) fails
                # the next request before it is read: send it once more, on a new connection.
                response = self.inner.handle_request(request)
            content = self._read_capped(response, request)
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
                    f"got no whole answer within {self.timeout:g} s); later requests were not sent"
                )
            raise ServerGone(message, request=request) from None
        finally:
            self.deadline.at = math.inf
        self.failures = 0
        headers = [  # raw bytes: a value that is not ASCII (obs-text) is passed on as sent
            (name, value)
            for name, value in response.headers.raw
            if name.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
        ]
        extensions = dict(response.extensions)
        sent = Sent.of(request)
        from conformance import rules

        operation = rules.operation_of(request.method, request.url.path)
        self._remember_startup(operation, response.status_code, content)
        context = Context(
            tuple(history),
            self.strict,
            sent,
            assessed=self.assessed,
            verified=self.verified,
            startup=self.startup,
            prelude=self.prelude,
        )
        if self.log.record(operation, sent):
            self.prelude = self.log.mark()  # from here on, what came before no longer counts
        extensions[CONTEXT] = context
        self.received.append(context)
        history.append(Earlier(sent, response.status_code))
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=content,
            request=request,
            extensions=extensions,
        )

    def _remember_startup(self, operation: str | None, status: int, content: bytes) -> None:
        """Keep the first answer of each operation until a request changes the server's state."""
        if not self.pristine:
            return
        from conformance import rules

        if operation is None:
            return
        if rules.changes_state(operation):
            self.pristine = False
        else:
            self.startup.setdefault(operation, (status, content[:4096]))

    def _read_capped(self, response: httpx.Response, request: httpx.Request) -> bytes:
        try:
            collected = _Capped(
                response.headers.get("content-encoding", "").strip().lower(), MAX_RESPONSE_BYTES
            )
            for chunk in response.stream:  # type: ignore[union-attr]
                collected.feed(chunk)
                if self.deadline.left() <= 0:
                    raise TimeoutError
            return collected.body()
        except OverflowError:
            raise ServerGone(
                f"the response to {request.method} {request.url} is larger than "
                f"{MAX_RESPONSE_BYTES // (1024 * 1024)} MiB (decompressed); stopped reading",
                request=request,
            ) from None
        except (ValueError, zlib.error) as error:
            raise ServerGone(
                f"the response to {request.method} {request.url} could not be decoded: {error}",
                request=request,
            ) from None
        finally:
            response.close()

    def close(self) -> None:
        self.inner.close()


LOOPBACK = {"127.0.0.1", "localhost", "::1", "testserver"}


class _NoCookies(DefaultCookiePolicy):
    """Keeps no cookie a server sets, as the lecture's one-off ``requests`` calls keep none."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


def no_cookie_jar() -> CookieJar:
    """A cookie jar that stays empty."""
    return CookieJar(policy=_NoCookies())


def make_client(
    base_url: str,
    timeout: float,
    inner: httpx.BaseTransport | None = None,
    *,
    strict: bool = False,
    log: StateLog | None = None,
) -> httpx.Client:
    """A client that behaves like ``requests`` in the lecture: it follows redirects (within
    the server under test) and sends no cookie back (each of the lecture's calls is a new
    session). ``log``: the server's, when another client of the suite talks to it too."""
    deadline = _Deadline()
    if inner is None:
        inner = network_transport(deadline)
    transport = GuardedTransport(
        inner, base_url, timeout, strict=strict, deadline=deadline, log=log
    )
    local = httpx.URL(base_url).host in LOOPBACK
    return httpx.Client(
        base_url=base_url,
        transport=transport,
        timeout=timeout,
        follow_redirects=True,
        cookies=no_cookie_jar(),
        headers={"accept-encoding": ACCEPTED_ENCODINGS},
        trust_env=not local,  # a proxy from the environment never sees loopback traffic
    )


def guard_of(client: httpx.Client) -> GuardedTransport | None:
    """The suite's transport behind ``client``, if it is one of the suite's clients."""
    transport = client._transport
    return transport if isinstance(transport, GuardedTransport) else None
