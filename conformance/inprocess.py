"""Call an ASGI app in this process, with no server, through a plain synchronous transport.

httpx's own ASGITransport is asynchronous; this runs it on an event loop in a helper thread,
runs the app's lifespan (startup and shutdown) around the session, and turns an exception
in the app into a 500, as a server would.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx


class InProcessTransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls ``app`` directly."""

    def __init__(self, app: Any, timeout: float = 30.0) -> None:
        self.app = app
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._lifespan: asyncio.Queue[dict[str, Any]] | None = None
        self._run(self._startup(), timeout)

    def _run(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        return self._run(call(), self.timeout)  # type: ignore[no-any-return]

    async def _startup(self) -> None:
        """Send lifespan.startup; an app without lifespan support is simply not told."""
        to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def receive() -> dict[str, Any]:
            return await to_app.get()

        async def send(message: dict[str, Any]) -> None:
            await from_app.put(message)

        async def run() -> None:
            try:
                await self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
            except Exception:  # no lifespan support: the app may raise on the unknown scope
                await from_app.put({"type": "lifespan.unsupported"})

        self._task = asyncio.ensure_future(run())
        await to_app.put({"type": "lifespan.startup"})
        message = await from_app.get()
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"the app's startup failed: {message.get('message', '')}")
        if message["type"] == "lifespan.startup.complete":
            self._lifespan = to_app
            self._from_app = from_app

    async def _shutdown(self) -> None:
        if self._lifespan is not None:
            lifespan, self._lifespan = self._lifespan, None
            await lifespan.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(self._from_app.get(), 5)

    def close(self) -> None:
        if not self.thread.is_alive():
            return
        try:
            self._run(self._shutdown(), 10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
            if not self.thread.is_alive():
                self.loop.close()
