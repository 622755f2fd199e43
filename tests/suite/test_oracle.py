"""The oracle's equivalence rules, the input domain, and the model-based tier against the
lecture's verbatim code (in-process, so every answer is the lecture code's own)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import LECTURE

from conformance import appspec, domain, expect, stateful
from conformance.cases import ex1 as cases_ex1
from conformance.domain.shape import Request
from conformance.matchers import Close, close_numbers
from conformance.oracle import Images, Oracle, differences, request_arguments
from conformance.regression import seeded_demo
from conformance.suite.test_ex1_sequences import Ex1AgainstTheLecture
from conformance.suite.test_ex2_sequences import Ex2AgainstTheLecture
from conformance.targets import in_process
from conformance.transport import CONTEXT, Context


def answer(
    status: int,
    body: Any = None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    url: str = "http://127.0.0.1:8000/x",
) -> httpx.Response:
    request = httpx.Request("GET", url)
    if content is None and body is not None:
        content = json.dumps(body).encode()
        headers = {"content-type": "application/json", **(headers or {})}
    return httpx.Response(status, headers=headers, content=content or b"", request=request)


def test_json_types_are_exact() -> None:
    found = differences(answer(200, {"result": 2}), answer(200, {"result": 2.0}))
    assert found is not None and "$.result" in found.where


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-3, 3) | st.sampled_from("ab"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xy"), inner),
    max_leaves=8,
)


@settings(max_examples=300, derandomize=True)
@given(expected=JSON_VALUES, actual=JSON_VALUES)
def test_same_json_is_the_walk_s_answer_when_it_answers(expected: Any, actual: Any) -> None:
    """The quick path says "the same" only where the walk finds no difference (never for 1
    and 1.0, nor true and 1), and difference() gives the walk's answer either way."""
    for e, a in ((expected, actual), (expected, json.loads(json.dumps(expected)))):
        walked = expect._difference(e, a, "$", False)
        if expect.same_json(e, a):
            assert walked is None
        assert expect.difference(e, a) == walked


def test_same_json_leaves_matchers_and_nan_to_the_walk() -> None:
    assert not expect.same_json([1], [1.0]) and not expect.same_json({"a": True}, {"a": 1})
    assert not expect.same_json(float("nan"), float("nan"))
    assert not expect.same_json([Close(2.0)], [2.0])  # a matcher decides, in the walk
    assert expect.difference([Close(2.0)], [2.0 + 1e-12]) is None
    items = [{"name": f"Filler {i}", "description": None, "price": 0.5} for i in range(500)]
    assert expect.same_json(items, json.loads(json.dumps(items)))


def test_fitted_numbers_are_close_not_equal() -> None:
    fit = {"intercept": 1.0, "coef": [2.0, 3.0]}
    near = {"intercept": 1.0 + 1e-9, "coef": [2.0, 3.0 - 1e-9]}
    far = {"intercept": 1.0, "coef": [2.0, 3.001]}
    assert differences(answer(200, fit), answer(200, near), numbers="fit") is None
    assert differences(answer(200, fit), answer(200, near)) is not None  # exact by default
    assert differences(answer(200, fit), answer(200, far), numbers="fit") is not None


def test_close_numbers_loosens_numbers_only() -> None:
    """Numbers become Close at any depth; booleans, strings and nulls stay exact."""
    body = {"intercept": 1, "coef": [2.5, {"deep": 3}], "ok": True, "name": "1", "none": None}
    assert close_numbers(body) == {
        "intercept": Close(1.0),
        "coef": [Close(2.5), {"deep": Close(3.0)}],
        "ok": True,
        "name": "1",
        "none": None,
    }


@pytest.mark.parametrize(
    ("parts", "sent"),
    [
        ({}, {"params": None, "follow_redirects": True}),
        (
            {"json": None},
            {"params": None, "json": None, "follow_redirects": True},
        ),  # a JSON null is a body
        (
            {"json": {"X": []}, "content": "{"},
            {"params": None, "content": "{", "follow_redirects": True},
        ),
        ({"params": {"x": "1"}, "headers": {}}, {"params": {"x": "1"}, "follow_redirects": True}),
        (
            {"headers": {"connection": "close"}},
            {"params": None, "headers": {"connection": "close"}, "follow_redirects": True},
        ),
        ({"follow_redirects": False}, {"params": None, "follow_redirects": False}),
    ],
)
def test_request_arguments_send_content_as_it_is_else_json(
    parts: dict[str, Any], sent: dict[str, Any]
) -> None:
    assert request_arguments(**parts) == sent


def test_error_items_may_carry_url_and_ctx_unless_strict() -> None:
    item = {"type": "missing", "loc": ["query", "x"], "msg": "Field required", "input": None}
    decorated = {**item, "url": "https://errors.pydantic.dev/2/v/missing", "ctx": {}}
    assert (
        differences(answer(422, {"detail": [item]}), answer(422, {"detail": [decorated]})) is None
    )
    strict = answer(422, {"detail": [decorated]})
    strict.extensions[CONTEXT] = Context(strict=True)  # as --strict-lecture's client gives it
    assert differences(answer(422, {"detail": [item]}), strict)


def test_content_types_are_compared() -> None:
    wanted = answer(200, {"message": "Hello World"})
    text = answer(
        200, content=b'{"message": "Hello World"}', headers={"content-type": "text/plain"}
    )
    found = differences(wanted, text)
    assert found is not None and "content-type" in found.where


@pytest.mark.parametrize(
    ("location", "ok"),
    [
        ("/docs", True),
        ("http://127.0.0.1:8000/docs", True),
        ("http://127.0.0.1:9999/docs", False),
        ("http://localhost:8000/docs", False),
        ("/redoc", False),
    ],
)
def test_a_redirect_stays_on_this_server(location: str, ok: bool) -> None:
    wanted = answer(307, headers={"location": "/docs"}, url="http://oracle/")
    got = answer(302, headers={"location": location}, url="http://127.0.0.1:8000/")
    assert (differences(wanted, got) is None) is ok


def test_same_model_same_image_and_different_fit_different_image() -> None:
    with Oracle("ex2") as oracle:
        oracle.send("POST", "/fit", json=seeded_demo().body())
        first = oracle.send("GET", "/plot")
        oracle.send("POST", "/fit", json={"X": [[0.0], [1.0], [2.0], [4.0]], "y": [1, 2, 2, 5]})
        second = oracle.send("GET", "/plot")
    images = Images()
    assert images.check("demo", first) is None
    assert images.check("demo", first) is None
    assert images.check("other", second) is None
    assert images.check("demo", second) is not None  # the same model, another image
    assert Images().check("a", first) is None
    same = Images()
    same.check("a", first)
    assert same.check("b", first) is not None  # another fit, the same image


def test_a_png_that_does_not_decode_is_refused() -> None:
    broken = answer(
        200, content=b"\x89PNG\r\n\x1a\nnot really", headers={"content-type": "image/png"}
    )
    assert Images().check("a", broken) is not None


CRASHES = [
    ("ex1", Request("GET", "/add", query={"x": "9" * 4300, "y": "1"}), {}),
    ("ex1", Request("GET", "/items/{item_id}", path_params={"item_id": "-1"}), {}),
    ("ex1", Request("POST", "/items", body={"name": "W", "price": 10**400}), {}),
    ("ex1", Request("POST", "/items", body={"name": "W", "price": "9.99"}), {}),
    ("ex2", Request("POST", "/fit", body={"X": [[1.0], [2.0], [3.0]]}), {}),
    ("ex2", Request("POST", "/fit", body={"X": [[1.0], [2.0], [3.0]], "y": None}), {}),
    ("ex2", Request("POST", "/fit", body={"X": [[1.0], [2.0], [3.0]], "y": [1.0]}), {}),
    ("ex2", Request("POST", "/fit", body={"X": [[1.0, 2.0], [3.0]], "y": [1.0, 2.0]}), {}),
    ("ex2", Request("POST", "/fit", body={"X": [], "y": []}), {}),
    ("ex2", Request("POST", "/fit", body={"X": [[], []], "y": [1.0, 2.0]}), {}),
    ("ex2", Request("POST", "/predict", body={"X": [[1.0, 2.0]]}), {"columns": None}),
    ("ex2", Request("POST", "/predict", body={"X": [[1.0, 2.0, 3.0]]}), {"columns": 2}),
    ("ex2", Request("POST", "/predict", body={"X": []}), {"columns": 2}),
    ("ex2", Request("POST", "/predict", body={"X": [[1e308, 1e308]]}), {"columns": 2}),
]


@pytest.mark.parametrize(("exercise", "request_", "state"), CRASHES)
def test_where_the_lecture_crashes_is_outside_the_domain(
    exercise: str, request_: Request, state: dict[str, Any]
) -> None:
    assert not domain.in_domain(exercise, request_, state)


def test_the_lecture_s_own_requests_are_inside_the_domain() -> None:
    for case in cases_ex1.CASES:
        path, _, query = case.request.path.partition("?")
        params = dict(pair.split("=") for pair in query.split("&")) if query else {}
        template = "/items/{item_id}" if path.startswith("/items/") else path
        template = "/user/{user_id}" if path.startswith("/user/") else template
        body = case.request.json
        request = Request(case.request.method, template, {"item_id": "0"}, params, body)
        assert domain.in_domain("ex1", request, {}), case.id
    demo = Request("POST", "/fit", body=seeded_demo().body())
    assert domain.in_domain("ex2", demo, {})
    predict = Request("POST", "/predict", body={"X": seeded_demo().X, "y": [1.0]})
    assert domain.in_domain("ex2", predict, {"columns": 5})


@pytest.mark.parametrize(
    ("machine", "app"),
    [
        (Ex1AgainstTheLecture, "ex1_app.py"),
        (Ex1AgainstTheLecture, "ex1_items_slash_app.py"),
        (Ex2AgainstTheLecture, "ex2_app.py"),
    ],
)
def test_the_lecture_s_code_gives_the_oracle_s_answers(machine: Any, app: str) -> None:
    """Inside the domain, the lecture's verbatim code answers exactly as the oracle does."""
    target = in_process(appspec.load(appspec.resolve(str(LECTURE / app))), timeout=30.0)
    try:
        stateful.run(machine, target.client)
    finally:
        target.close()
