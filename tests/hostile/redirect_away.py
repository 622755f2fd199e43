"""Redirect every request off origin: to another loopback port, and to another host."""

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

app = FastAPI()


@app.middleware("http")
async def away(request: Request, call_next: object) -> Response:
    if request.url.path == "/openapi.json":
        return await call_next(request)  # type: ignore[operator, no-any-return]
    target = "http://127.0.0.1:9/" if "add" in request.url.path else "http://example.invalid/"
    return RedirectResponse(f"{target}{request.url.path.lstrip('/')}", status_code=307)
