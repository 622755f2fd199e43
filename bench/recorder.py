"""An ASGI middleware that counts and records every request a server under test receives.

The bench scripts serve an app wrapped in :class:`Recorder` (see ``bench/server.py``) and read
the figures back over HTTP from paths under ``/__bench__/`` that the wrapped app never sees:

* ``GET /__bench__/stats``: ``{"count", "first", "last"}``, the number of requests and the
  ``time.monotonic()`` of the first request's start and the last response's end;
* ``GET /__bench__/log``: every recorded request (method, path, query, headers, body);
* ``GET /__bench__/reset``: forget everything recorded so far.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
PREFIX = "/__bench__/"
# Headers worth replaying; the rest (host, content-length, user-agent...) the client sets.
KEPT_HEADERS = {b"content-type", b"accept"}


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recorded:
        return cls(
            data["method"],
            data["path"],
            data["query"],
            data["headers"],
            base64.b64decode(data["body"]),
        )


@dataclass
class Recorder:
    """Wraps an ASGI app; counts every HTTP request and, if ``record``, keeps a copy of it."""

    app: Any
    record: bool = True
    requests: list[Recorded] = field(default_factory=list)
    count: int = 0
    first: float | None = None
    last: float | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(PREFIX):
            await self._control(scope, send)
            return
        started = time.monotonic()
        if self.first is None:
            self.first = started
        self.count += 1
        if self.record:
            receive = self._recording(scope, receive)
        try:
            await self.app(scope, receive, send)
        finally:
            self.last = time.monotonic()

    def _recording(self, scope: Scope, receive: Any) -> Any:
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope["headers"]
            if k.lower() in KEPT_HEADERS
        }
        entry = Recorded(
            scope["method"], scope["path"], scope["query_string"].decode("latin-1"), headers, b""
        )
        self.requests.append(entry)

        async def wrapped() -> Message:
            message: Message = await receive()
            if message["type"] == "http.request":
                entry.body += message.get("body", b"")
            return message

        return wrapped

    async def _control(self, scope: Scope, send: Any) -> None:
        what = scope["path"][len(PREFIX) :]
        if what == "stats":
            payload: Any = {"count": self.count, "first": self.first, "last": self.last}
        elif what == "log":
            payload = [r.as_json() for r in self.requests]
        elif what == "reset":
            self.requests.clear()
            self.count, self.first, self.last = 0, None, None
            payload = {}
        else:
            payload = {"detail": f"unknown control path {what!r}"}
        body = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})
