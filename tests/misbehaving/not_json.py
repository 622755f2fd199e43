"""An ASGI app that answers every request 200 with an HTML page, never JSON."""

from __future__ import annotations

from typing import Any

PAGE = b"<html><body><h1>Hello from the wrong server</h1></body></html>"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/html; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": PAGE})
