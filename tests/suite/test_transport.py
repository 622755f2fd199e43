"""The suite's transport against misbehaving servers on loopback: every read is bounded.

One total deadline per request (a server that dribbles its headers cannot stretch it), a
byte cap counted after decompression (a gzip bomb stops at the cap), redirects followed only
within the server under test, and a history of the test's earlier requests on each response.
"""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from misbehaving.sockets import gzip_bomb_server, redirect_server, slow_headers_server

from conformance.failure import Failure
from conformance.live import serve
from conformance.overlap import at_once
from conformance.targets import embedded, in_process
from conformance.transport import MAX_RESPONSE_BYTES, OffOrigin, ServerGone, context_of, make_client
from reference_app.ex1 import create_app


def test_dribbled_headers_meet_one_total_deadline() -> None:
    with slow_headers_server() as url, make_client(url, timeout=1.0) as client:
        started = time.monotonic()
        with pytest.raises(ServerGone, match="no answer within 1 s"):
            client.get("/")
        elapsed = time.monotonic() - started
    assert elapsed < 3, f"one request took {elapsed:.1f} s"


def test_a_gzip_bomb_stops_at_the_decompressed_cap() -> None:
    too_large = r"larger than 20 MiB \(decompressed\)"
    with (
        gzip_bomb_server() as url,
        make_client(url, timeout=20.0) as client,
        pytest.raises(ServerGone, match=too_large),
    ):
        client.get("/")
    assert MAX_RESPONSE_BYTES == 20 * 1024 * 1024


def test_a_redirect_away_from_the_server_is_refused_with_a_clear_message() -> None:
    with (
        redirect_server("http://127.0.0.1:9/docs") as url,
        make_client(url, timeout=5.0) as client,
        pytest.raises(OffOrigin) as raised,
    ):
        client.post("/items", json={"name": "Widget", "price": 9.99})
    message = str(raised.value)
    assert "http://127.0.0.1:9/docs" in message and f"({url})" in message
    failure = Failure("an answer", "no answer", f"the connection: {message}")
    assert "RequestNotRead" not in failure.render()


def test_each_response_carries_the_requests_sent_before_it_in_the_test() -> None:
    with serve(create_app()) as url, make_client(url, timeout=5.0, strict=True) as client:
        client.get("/add", params={"x": 1})
        client.post("/items", json={"name": "Widget", "price": 9.99})
        third = client.get("/items/0")
        context = context_of(third)
        assert context.strict is True
        assert [e.line() for e in context.history] == [
            f"GET {url}/add?x=1 -> 200",
            f"POST {url}/items -> 200",
        ]
        assert context_of(httpx.Response(200)).history == ()


def cookie_app() -> FastAPI:
    """Sets a session cookie on GET /set; GET /echo answers the cookie header it received."""
    app = FastAPI()

    @app.get("/set")
    async def set_cookie(response: Response) -> dict[str, str]:
        response.set_cookie("session", "abc123")
        return {}

    @app.get("/echo")
    async def echo(request: Request) -> dict[str, str | None]:
        return {"cookie": request.headers.get("cookie")}

    return app


def test_no_cookie_a_server_sets_comes_back_with_the_next_request() -> None:
    # The lecture's requests.get(...) calls are each a new session: a server that keeps its
    # state per cookie must not look right to the suite because one client kept the cookie.
    with serve(cookie_app()) as url, make_client(url, timeout=5.0) as client:
        assert "session=abc123" in client.get("/set").headers["set-cookie"]
        assert client.get("/echo").json() == {"cookie": None}
        assert len(client.cookies) == 0


@pytest.mark.parametrize("where", ["in-process", "live"])
def test_a_new_client_shares_the_server_and_closes_alone(where: str) -> None:
    target = in_process(create_app(), 5.0) if where == "in-process" else embedded("ex1", 5.0)
    try:
        other = target.new_client()
        assert other is not target.client
        other.post("/items", json={"name": "Widget", "price": 9.99})
        other.close()
        # Closing it left the app and the session's client working, on the same state.
        assert target.client.get("/items/0").json()["name"] == "Widget"
    finally:
        target.close()


def test_overlapping_requests_are_sent_together_and_errors_come_back() -> None:
    with serve(create_app()) as url:
        clients = [make_client(url, timeout=5.0) for _ in range(6)]
        answers = at_once(
            clients,
            lambda c, i: c.post("/items", json={"name": f"item {i}", "price": 1.0}),
            warm=lambda c, i: c.get("/add?x=0"),
        )
        assert [a.status_code for a in answers] == [200] * 6
        final = clients[0].get("/items/5").json()
        assert final["name"].startswith("item ")
        with pytest.raises(ZeroDivisionError):
            at_once(clients, lambda c, i: 1 // (i - 3))
        for client in clients:
            client.close()
