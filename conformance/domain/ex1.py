"""ex1's input domain: where the lecture's ex1/app.py answers, route by route.

Read with ``../shared/lecture-behaviour.md`` (b): the lecture's code crashes on a sum too long
to write as JSON, on a price or tax that is not a finite number, and on negative item ids;
FastAPI answers a body that is not UTF-8 with a 400 the OpenAPI does not declare; and its lax
float turns ``"9.99"`` and ``true`` into prices, which a strict server may refuse instead.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from conformance.domain.shape import (
    OperationDomain,
    Request,
    State,
    finite,
    is_number,
    no_text_or_bools,
)

_INT = TypeAdapter(int)


def as_int(text: str) -> int | None:
    """``text`` read as FastAPI reads an ``int`` parameter ("1.0" is 1, " 7" is 7), or None."""
    try:
        return _INT.validate_python(text)
    except ValidationError:
        return None


def sum_fits_in_json(request: Request, state: State) -> bool:
    """x + y can be written as JSON (Python writes ints of at most 4300 digits)."""
    x = as_int(request.query.get("x", ""))
    y = as_int(request.query.get("y", "0"))
    if x is None or y is None:
        return True  # a 422, before the sum is taken
    try:
        str(x + y)
    except ValueError:
        return False
    return True


def _price_like(value: Any) -> bool:
    """A finite number, or something no float reader takes for one (a list, an object...)."""
    if value is None:
        return True  # tax: null is "no tax"; price: null is float_type for every server
    if is_number(value):
        return finite(value)
    return no_text_or_bools(value)


def item_is_a_finite_number_item(request: Request, state: State) -> bool:
    """The body's price and tax are finite JSON numbers (or plainly not numbers at all)."""
    body = request.body
    if not isinstance(body, dict):
        return True  # no body, or not an object: a 422 for every server
    return all(_price_like(body[key]) for key in ("price", "tax") if key in body)


def id_not_negative(request: Request, state: State) -> bool:
    """item_id is not negative (or not an integer at all: a 422)."""
    item_id = as_int(request.path_params.get("item_id", ""))
    return item_id is None or item_id >= 0


OPERATIONS = (
    OperationDomain("GET /"),
    OperationDomain(
        "GET /add",
        answers=sum_fits_in_json,
        crashes=("x + y has more than 4300 digits: ValueError while writing the JSON, 500",),
    ),
    OperationDomain("GET /user/{user_id}"),
    OperationDomain(
        "POST /items",
        answers=item_is_a_finite_number_item,
        crashes=(
            "price or tax NaN, Infinity or 1e309: the item is stored, then 500, and every "
            "later POST /items is a 500 too",
            "a body that is not UTF-8: FastAPI's 400, which the OpenAPI does not declare",
        ),
        either=(
            'price or tax "9.99" or true: the lecture\'s lax float stores 9.99 and 1.0, a '
            "strict float refuses them (422); a text price that is no number is float_parsing "
            "for one and float_type for the other",
        ),
    ),
    OperationDomain(
        "GET /items/{item_id}",
        answers=id_not_negative,
        crashes=(
            "a negative id: items[-1] is the last item (200), and past the start an "
            "IndexError (500)",
        ),
    ),
)
