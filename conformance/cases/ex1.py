"""ex1 transcripts: every request the lecture sends to ex1/app.py, in lecture order."""

from __future__ import annotations

from typing import Any

from conformance.cases import Case, Stored, get, post
from conformance.matchers import EndsWith, error
from conformance.openapi import Body, Param
from conformance.registry import Operation, lecture_exercise

NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"

WIDGET = {"name": "Widget", "price": 9.99}
GADGET = {"name": "Gadget", "price": 4.99, "description": "A useful gadget", "tax": 0.25}


def stored(item: dict[str, Any]) -> dict[str, Any]:
    """An Item as the server sends it back: every field, in the model's order, null where it
    was left out, and the numbers as floats (the model's ``price: float`` makes 3 into 3.0)."""
    return {
        "name": item["name"],
        "description": item.get("description"),
        "price": float(item["price"]),
        "tax": None if item.get("tax") is None else float(item["tax"]),
    }


STORED_WIDGET = {"name": "Widget", "description": None, "price": 9.99, "tax": None}
STORED_GADGET = {"name": "Gadget", "description": "A useful gadget", "price": 4.99, "tax": 0.25}

CASES = [
    # "FastAPI - Basic Example": the code only, no transcript.
    Case("hello-world", "FastAPI - Basic Example", get("/"), 200, {"message": "Hello World"}),
    # "Query parameters"
    Case("add-one-plus-one", "Query parameters", get("/add?x=1&y=1"), 200, {"result": 2}),
    Case("add-negative-x", "Query parameters", get("/add?x=-7&y=12"), 200, {"result": 5}),
    Case("add-y-defaults-to-0", "Query parameters", get("/add?x=-7"), 200, {"result": -7}),
    Case(
        "add-missing-x-is-422",
        "Query parameters",
        get("/add?y=-7"),
        422,
        {"detail": [error("missing", ["query", "x"], "Field required", None)]},
    ),
    # "Type hinting"
    Case("add-whole-floats-are-ints", "Type hinting", get("/add?x=1.0&y=2.0"), 200, {"result": 3}),
    Case(
        "add-text-x-is-422",
        "Type hinting",
        get("/add?x=abc&y=1"),
        422,
        {"detail": [error("int_parsing", ["query", "x"], NOT_AN_INTEGER, "abc")]},
    ),
    Case(
        "add-fractions-are-422",
        "Type hinting",
        get("/add?x=1.5&y=2."),
        422,
        {
            "detail": [
                error("int_parsing", ["query", "x"], NOT_AN_INTEGER, "1.5"),
                error("int_parsing", ["query", "y"], NOT_AN_INTEGER, "2."),
            ]
        },
    ),
    # "Path parameters"
    Case(
        "user-with-name",
        "Path parameters",
        get("/user/1234?name=Colin"),
        200,
        {"user_id": 1234, "name": "Colin"},
    ),
    Case("user-without-name", "Path parameters", get("/user/3141"), 200, {"user_id": 3141}),
    Case(
        "user-text-id-is-422",
        "Path parameters",
        get("/user/Colin"),
        422,
        {"detail": [error("int_parsing", ["path", "user_id"], NOT_AN_INTEGER, "Colin")]},
    ),
    # "Usage - Demo": the list may already hold items on a live server, so the demo's
    # items are checked at its end.
    Case(
        "items-post-widget",
        "Usage - Demo",
        post("/items", WIDGET),
        200,
        EndsWith((STORED_WIDGET,)),
    ),
    Case(
        "items-post-gadget",
        "Usage - Demo",
        post("/items", GADGET),
        200,
        EndsWith((STORED_WIDGET, STORED_GADGET)),
        setup=(post("/items", WIDGET),),
    ),
    Case(
        "items-post-without-price-is-422",
        "Usage - Demo",
        post("/items", {"name": "Widget"}),
        422,
        {"detail": [error("missing", ["body", "price"], "Field required", {"name": "Widget"})]},
    ),
    # "Error handling - HTTPException": /items/0 was the Widget posted first.
    Case(
        "items-get-widget",
        "Error handling - HTTPException",
        get("/items/{last}"),
        200,
        Stored(STORED_WIDGET),
        setup=(post("/items", WIDGET),),
    ),
    Case(
        "items-get-past-end-is-404",
        "Error handling - HTTPException",
        get("/items/{past_end}"),
        404,
        {"detail": "Item not found"},
        setup=(post("/items", WIDGET),),
    ),
]

# --- what ex1/app.py declares, as /openapi.json shows it -----------------------------------
# The comparison slide ("FastAPI vs plumber") spells the POST route "/items/": both count.

ITEMS = ("/items", "/items/")

# Each operation's rules (conformance.rules): the aspects of its answers it is judged on, and
# what the lecture says of those where the generic sentence says too little.
OPERATIONS = [
    Operation("GET", ("/",), aspects=("shape", "values")),
    Operation(
        "GET",
        ("/add",),
        sentences=(
            ("values", 'answers {"result": x + y}, y defaulting to 0'),
            ("refusal", "refuses a missing or non-integer x or y with FastAPI's 422"),
        ),
    ),
    Operation(
        "GET",
        ("/user/{user_id}",),
        sentences=(
            ("values", "echoes user_id and, only when it is given, name, verbatim"),
            ("refusal", "refuses a non-integer user_id with FastAPI's 422"),
        ),
    ),
    Operation(
        "POST",
        ITEMS,
        changes_state=True,
        sentences=(
            ("values", "appends exactly the item sent and answers the whole list"),
            ("refusal", "refuses an item without name or price, or of the wrong types, with 422"),
        ),
    ),
    Operation(
        "GET",
        ("/items/{item_id}",),
        sentences=(
            ("values", "answers the item stored at that index"),
            (
                "refusal",
                'answers 404 {"detail": "Item not found"} past the end, 422 for a non-integer id',
            ),
        ),
    ),
]

INTEGER = frozenset({"integer"})

PARAMETERS = [
    Param("add-x", "GET", ("/add",), "x", "query", required=True, types=INTEGER),
    Param("add-y", "GET", ("/add",), "y", "query", required=False, types=INTEGER, default=0),
    Param("user-id", "GET", ("/user/{user_id}",), "user_id", "path", required=True, types=INTEGER),
    Param(
        "user-name",
        "GET",
        ("/user/{user_id}",),
        "name",
        "query",
        required=False,
        types=frozenset({"string"}),
        default=None,
    ),
    Param(
        "items-item-id",
        "GET",
        ("/items/{item_id}",),
        "item_id",
        "path",
        required=True,
        types=INTEGER,
    ),
]

BODIES = [
    Body(
        "item",
        "POST",
        ITEMS,
        fields={
            "name": frozenset({"string"}),
            "description": frozenset({"string"}),
            "price": frozenset({"number"}),
            "tax": frozenset({"number"}),
        },
        required=frozenset({"name", "price"}),
        optional=frozenset({"description", "tax"}),
    ),
]

EXERCISE = lecture_exercise(
    "ex1",
    "the lecture's ex1 (hello, /add, /user/{user_id}, /items)",
    cases=CASES,
    operations=OPERATIONS,
    parameters=PARAMETERS,
    bodies=BODIES,
    signature_paths=frozenset({"/add", "/user/{user_id}", *ITEMS, "/items/{item_id}"}),
)
