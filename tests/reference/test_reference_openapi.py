"""The reference apps' OpenAPI tells the whole truth, in the lecture's own words.

Parameters, request bodies and operation ids are exactly those of the lecture's code
(tests/lecture/); every 200 has a real schema; every status the apps give is declared.
"""

from __future__ import annotations

from typing import Any

import pytest
from reference_fixtures import load_lecture_app

from conformance import registry

JSON = "application/json"


def spec(app: Any) -> dict[str, Any]:
    """The OpenAPI document of ``app``."""
    document: dict[str, Any] = app.openapi()
    return document


REFERENCE = {ex.name: spec(ex.create_app()) for ex in registry.exercises()}
LECTURE = {ex.name: spec(load_lecture_app(f"{ex.name}_app").app) for ex in registry.exercises()}
OPERATIONS = [
    (exercise, path, method)
    for exercise, document in LECTURE.items()
    for path, operations in document["paths"].items()
    for method in operations
]
IDS = [f"{exercise}-{method}-{path}" for exercise, path, method in OPERATIONS]


def schema_of(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema``, with a ``$ref`` to a component resolved."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def test_same_operations_as_the_lecture() -> None:
    for exercise in registry.names():
        reference, lecture = REFERENCE[exercise], LECTURE[exercise]
        assert {p: sorted(ops) for p, ops in reference["paths"].items()} == {
            p: sorted(ops) for p, ops in lecture["paths"].items()
        }
        assert reference["info"] == lecture["info"]


@pytest.mark.parametrize(("exercise", "path", "method"), OPERATIONS, ids=IDS)
def test_inputs_are_exactly_the_lectures(exercise: str, path: str, method: str) -> None:
    ours = REFERENCE[exercise]["paths"][path][method]
    lecture = LECTURE[exercise]["paths"][path][method]
    assert ours["operationId"] == lecture["operationId"]
    assert ours.get("parameters") == lecture.get("parameters")
    assert ours.get("requestBody") == lecture.get("requestBody")


@pytest.mark.parametrize("name", ["Item", "Data"])
def test_request_models_are_exactly_the_lectures(name: str) -> None:
    exercise = "ex1" if name == "Item" else "ex2"
    ours = REFERENCE[exercise]["components"]["schemas"][name]
    assert ours == LECTURE[exercise]["components"]["schemas"][name]


@pytest.mark.parametrize(("exercise", "path", "method"), OPERATIONS, ids=IDS)
def test_every_200_has_a_real_schema(exercise: str, path: str, method: str) -> None:
    document = REFERENCE[exercise]
    content = document["paths"][path][method]["responses"]["200"]["content"]
    for media_type in content.values():
        schema = schema_of(document, media_type["schema"])
        assert schema.get("type"), f"{method} {path}: 200 schema {schema} says nothing"


def test_ex1_parameters_as_the_lecture_declares_them() -> None:
    paths = REFERENCE["ex1"]["paths"]
    add = {p["name"]: p for p in paths["/add"]["get"]["parameters"]}
    assert add["x"]["in"] == "query" and add["x"]["required"] is True
    assert add["x"]["schema"]["type"] == "integer"
    assert add["y"]["required"] is False
    assert add["y"]["schema"] == {"type": "integer", "default": 0, "title": "Y"}
    user = {p["name"]: p for p in paths["/user/{user_id}"]["get"]["parameters"]}
    assert user["user_id"]["in"] == "path" and user["user_id"]["schema"]["type"] == "integer"
    assert user["name"]["in"] == "query" and user["name"]["required"] is False
    item = REFERENCE["ex1"]["components"]["schemas"]["Item"]
    assert item["required"] == ["name", "price"]


def test_ex1_response_models() -> None:
    document = REFERENCE["ex1"]
    paths, schemas = document["paths"], document["components"]["schemas"]

    def ok(path: str, method: str = "get") -> dict[str, Any]:
        schema: dict[str, Any] = paths[path][method]["responses"]["200"]["content"][JSON]["schema"]
        return schema

    assert ok("/") == {"$ref": "#/components/schemas/Message"}
    assert ok("/add") == {"$ref": "#/components/schemas/AddResult"}
    assert schemas["AddResult"]["properties"]["result"]["type"] == "integer"
    assert ok("/user/{user_id}") == {"$ref": "#/components/schemas/User"}
    assert schemas["User"]["required"] == ["user_id"]  # name appears only when given
    assert ok("/items", "post")["items"] == {"$ref": "#/components/schemas/Item"}
    assert ok("/items/{item_id}") == {"$ref": "#/components/schemas/Item"}


def test_ex1_declares_404_and_body_errors() -> None:
    paths = REFERENCE["ex1"]["paths"]
    assert "404" in paths["/items/{item_id}"]["get"]["responses"]
    assert {"400", "413", "422"} <= set(paths["/items"]["post"]["responses"])


def test_ex2_response_models() -> None:
    document = REFERENCE["ex2"]
    paths, schemas = document["paths"], document["components"]["schemas"]
    for path, method in (("/fit", "post"), ("/coefs", "get")):
        schema = paths[path][method]["responses"]["200"]["content"][JSON]["schema"]
        assert schema == {"$ref": "#/components/schemas/Coefs"}
    coefs = schemas["Coefs"]
    assert coefs["required"] == ["intercept", "coef"]
    assert {"type": "null"} in coefs["properties"]["intercept"]["anyOf"]
    assert {"type": "null"} in coefs["properties"]["coef"]["anyOf"]
    prediction = paths["/predict"]["post"]["responses"]["200"]["content"][JSON]["schema"]
    assert schema_of(document, prediction)["properties"]["y_hat"]["type"] == "array"
    empty = schema_of(
        document, paths["/reset"]["get"]["responses"]["200"]["content"][JSON]["schema"]
    )
    assert empty["type"] == "object"
    assert empty["properties"] == {}
    assert empty["additionalProperties"] is False


def test_ex2_plot_declares_png_and_400() -> None:
    responses = REFERENCE["ex2"]["paths"]["/plot"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["image/png"]
    assert list(responses["400"]["content"]) == [JSON]


def test_ex2_predict_declares_400_and_body_errors() -> None:
    responses = REFERENCE["ex2"]["paths"]["/predict"]["post"]["responses"]
    assert {"400", "413", "422"} <= set(responses)
    assert {"400", "413", "422"} <= set(REFERENCE["ex2"]["paths"]["/fit"]["post"]["responses"])


def test_ex2_redirect_stays_out_of_the_schema() -> None:
    assert "/" not in REFERENCE["ex2"]["paths"]
    assert "/" not in LECTURE["ex2"]["paths"]
