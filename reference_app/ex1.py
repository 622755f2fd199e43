"""The lecture's ex1 app (hello, add, user, items), faithful and hardened.

Every request the lecture shows gets exactly the status and JSON it prints. Beyond the
lecture: negative item ids are 404, NaN/infinite or non-numeric prices are 422, an /add result
too long for JSON is 422, the items list is guarded by a lock, and bodies over the size limit
are 413 (see :mod:`reference_app.body_size`).

Serve with ``uvicorn reference_app.ex1:app`` or ``fastapi run reference_app/ex1.py``.
"""

from __future__ import annotations

import sys
import threading
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from reference_app.body_size import max_body_bytes
from reference_app.errors import (
    BODY_RESPONSES,
    Detail,
    error,
    install_error_handlers,
    validation_error,
)

#: A JSON number that is finite and really a number: ``true``, ``"9.99"``, NaN and 1e309
#: are rejected (the lecture's code coerces the first two and crashes on the last two).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


# The lecture's Item: name and price required, description and tax optional. (No docstring:
# it would add a description, and the schema is kept exactly as the lecture's code has it.)
class Item(BaseModel):
    name: str
    description: str | None = None
    price: Number
    tax: Number | None = None


class Message(BaseModel):
    """GET / answers ``{"message": "Hello World"}``."""

    message: str


class AddResult(BaseModel):
    """GET /add answers ``{"result": x + y}``, an integer."""

    result: int


class User(BaseModel):
    """GET /user/{user_id}: ``name`` is present only when the request gave one."""

    user_id: int
    name: str | None = None


# Python refuses to turn an int with more digits than this into text (so into JSON).
_MAX_DIGITS = sys.get_int_max_str_digits() or None
# Every int below 2**_SAFE_BITS has at most _MAX_DIGITS digits, so most sums skip the check.
_SAFE_BITS = int((_MAX_DIGITS - 1) * 3.32) if _MAX_DIGITS else None


def _too_many_digits(n: int) -> bool:
    """True if ``n`` has more decimal digits than Python will write as JSON."""
    if _SAFE_BITS is None or n.bit_length() < _SAFE_BITS:
        return False
    try:
        str(n)
    except ValueError:
        return True
    return False


def create_app(*, max_body_size: int | None = None) -> FastAPI:
    """A fresh ex1 app with an empty items list.

    ``max_body_size`` is the request-body limit in bytes; by default the environment variable
    ``REFERENCE_MAX_BODY_BYTES``, else 10 MiB.
    """
    app = FastAPI(max_body_size=max_body_bytes(max_body_size))
    install_error_handlers(app)
    items: list[Item] = []
    items_lock = threading.Lock()

    @app.get("/", response_model=Message)
    async def root() -> Any:
        return {"message": "Hello World"}

    @app.get("/add", response_model=AddResult)
    async def add(x: int, y: int = 0) -> Any:
        result = x + y
        if _too_many_digits(result):
            raise validation_error(
                error(
                    ("query",),
                    f"The result x + y has more than {_MAX_DIGITS} digits, "
                    "too many to send as a JSON integer",
                    type="int_too_large",
                    input={"x": str(x), "y": str(y)},
                )
            )
        return {"result": result}

    @app.get("/user/{user_id}", response_model=User, response_model_exclude_unset=True)
    async def user_id(user_id: int, name: str | None = None) -> Any:
        res: dict[str, Any] = {"user_id": user_id}
        if name is not None:
            res["name"] = name

        return res

    @app.post("/items", response_model=list[Item], responses=BODY_RESPONSES)
    async def add_item(item: Item) -> Any:
        with items_lock:
            items.append(item)
            return list(items)

    @app.get(
        "/items/{item_id}",
        response_model=Item,
        responses={404: {"model": Detail, "description": "Item not found"}},
    )
    async def get_item(item_id: int) -> Any:
        with items_lock:
            if not 0 <= item_id < len(items):
                raise HTTPException(status_code=404, detail="Item not found")
            return items[item_id]

    return app


app = create_app()
