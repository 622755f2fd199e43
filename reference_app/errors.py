"""Error responses shared by the reference apps, in FastAPI's own formats.

Hardened checks raise :func:`validation_error`, so their 422 bodies have exactly the shape of
FastAPI's validation errors: ``{"detail": [{"type", "loc", "msg", "input"}, ...]}``.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Detail(BaseModel):
    """An error message: {"detail": "..."}."""

    detail: str


def error(
    loc: tuple[str | int, ...], msg: str, *, type: str = "value_error", input: Any = None
) -> dict[str, Any]:
    """One validation error item, with the keys in FastAPI's order."""
    return {"type": type, "loc": list(loc), "msg": msg, "input": input}


def validation_error(*errors: dict[str, Any]) -> RequestValidationError:
    """A 422 with these error items, rendered by FastAPI's own handler."""
    return RequestValidationError(list(errors))


#: Answers FastAPI gives to any JSON-body request before the endpoint runs. 400: the body is
#: not text JSON can be read from (not UTF-8); FastAPI's own answer, kept as it is because a
#: student's FastAPI app gives it too. 413: the body is larger than the configured limit;
#: FastAPI answers ``{"detail": "Content Too Large"}`` for a streamed body, but Starlette
#: answers plain text when the Content-Length header is already too large.
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Detail, "description": "The body could not be read (it is not UTF-8)"},
    413: {
        "model": Detail,
        "description": "The body is larger than the server's limit: JSON when the body is"
        " streamed, text/plain when its Content-Length header already says so",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
}


def _json_safe(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by its JSON-like spelling, as a string."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


async def json_safe_validation_handler(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    """FastAPI's 422 handler, except that a NaN or infinite input is echoed as a string.

    FastAPI's own handler echoes the rejected input, and JSON cannot carry NaN or infinity,
    so a request with ``"price": NaN`` would turn its own 422 into a 500.
    """
    return JSONResponse(
        status_code=422, content={"detail": _json_safe(jsonable_encoder(exc.errors()))}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every 422 of ``app`` serialisable, whatever input it echoes."""
    app.add_exception_handler(RequestValidationError, json_safe_validation_handler)  # type: ignore[arg-type]
