"""Request bodies: over the size limit is 413 before parsing; a non-UTF-8 body is 400.

The limit is ``create_app(max_body_size=...)``, else the environment variable
``REFERENCE_MAX_BODY_BYTES``, else 10 MiB. It is checked both from the Content-Length header
and by counting the bytes of a streamed (chunked) body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from reference_fixtures import live_client

from reference_app import ex1, ex2
from reference_app.body_size import DEFAULT_MAX_BODY_BYTES, MAX_BODY_BYTES_ENV, max_body_bytes

LIMIT = 1000
FACTORIES: dict[str, Callable[..., FastAPI]] = {"ex1": ex1.create_app, "ex2": ex2.create_app}
BODY_ROUTES = [("ex1", "/items"), ("ex2", "/fit"), ("ex2", "/predict")]


def item_of_size(size: int) -> bytes:
    """An ex1 item whose JSON is exactly ``size`` bytes."""
    head, tail = b'{"name": "', b'", "price": 1.0}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def chunks(body: bytes, size: int = 100) -> Iterator[bytes]:
    """``body`` as a stream of chunks; httpx sends it with chunked transfer encoding."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.fixture
def ex1_client() -> Iterator[httpx.Client]:
    """A client of a fresh ex1 app with a body limit of ``LIMIT`` bytes."""
    with live_client(ex1.create_app(max_body_size=LIMIT)) as c:
        yield c


def test_default_limit_is_10_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAX_BODY_BYTES_ENV, raising=False)
    assert DEFAULT_MAX_BODY_BYTES == 10 * 1024 * 1024
    assert max_body_bytes() == DEFAULT_MAX_BODY_BYTES
    assert ex1.create_app().max_body_size == DEFAULT_MAX_BODY_BYTES
    assert ex2.create_app().max_body_size == DEFAULT_MAX_BODY_BYTES


def test_limit_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_BODY_BYTES_ENV, "2048")
    assert ex1.create_app().max_body_size == 2048
    assert ex2.create_app(max_body_size=10).max_body_size == 10  # the argument wins


def test_bad_limit_in_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_BODY_BYTES_ENV, "ten megabytes")
    with pytest.raises(ValueError, match=MAX_BODY_BYTES_ENV):
        ex1.create_app()


def test_body_at_the_limit_is_accepted(ex1_client: httpx.Client) -> None:
    r = ex1_client.post(
        "/items", content=item_of_size(LIMIT), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text


def test_body_over_the_limit_by_content_length_is_413(ex1_client: httpx.Client) -> None:
    body = item_of_size(LIMIT + 1)
    r = ex1_client.post("/items", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.text == "Content Too Large"  # Starlette answers before the app runs
    r = ex1_client.get("/items/0")
    assert r.status_code == 404, "the oversized item was stored"


def test_streamed_body_over_the_limit_is_413(ex1_client: httpx.Client) -> None:
    body = item_of_size(LIMIT * 3)
    r = ex1_client.post(
        "/items", content=chunks(body), headers={"content-type": "application/json"}
    )
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert r.status_code == 413, r.text
    assert r.json() == {"detail": "Content Too Large"}
    r = ex1_client.get("/items/0")
    assert r.status_code == 404, "the oversized item was stored"


def test_streamed_body_under_the_limit_is_accepted(ex1_client: httpx.Client) -> None:
    r = ex1_client.post(
        "/items", content=chunks(item_of_size(LIMIT)), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/fit", "/predict"])
def test_ex2_body_over_the_limit_is_413(path: str) -> None:
    body = b'{"X": [' + b",".join([b"[1.0]"] * 400) + b"]}"
    with live_client(ex2.create_app(max_body_size=LIMIT)) as client:
        for content in (body, chunks(body)):
            r = client.post(path, content=content, headers={"content-type": "application/json"})
            assert r.status_code == 413, r.text
        assert client.get("/coefs").json() == {"intercept": None, "coef": None}


@pytest.mark.parametrize(("exercise", "path"), BODY_ROUTES)
def test_non_utf8_body_is_the_declared_400(exercise: str, path: str) -> None:
    app = FACTORIES[exercise]()
    with live_client(app) as client:
        r = client.post(
            path, content=b'{"X": [[1]], "y": [\xff]}', headers={"content-type": "application/json"}
        )
        assert r.status_code == 400, r.text
        assert r.json() == {"detail": "There was an error parsing the body"}
        responses = client.get("/openapi.json").json()["paths"][path]["post"]["responses"]
    assert "400" in responses
    assert "413" in responses
