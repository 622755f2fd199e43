"""A sequence of requests sent to the server under test and to the oracle, side by side.

Every request goes to both; every answer of the server is compared with the oracle's
(:func:`conformance.oracle.differences`). A difference is the suite's usual failure: the
transport has recorded the requests of the sequence, so it shows them numbered, the first
answer that differs in the student-facing format, and a replay script of curl lines
(:mod:`conformance.failure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Unpack

import httpx

from conformance import expect
from conformance.oracle import (
    Mismatch,
    Numbers,
    Oracle,
    Parts,
    differences,
    request_arguments,
)


@dataclass(frozen=True)
class SequenceStep:
    """One request of the sequence, as sent to the server, and the status it got
    (``refused``: sent by :meth:`ServerAndOracle.refused`, outside the input domain)."""

    request: httpx.Request
    status: int | None
    refused: bool = False


def first_request(response: httpx.Response) -> httpx.Request:
    """The request that was sent, before any redirect was followed."""
    return response.history[0].request if response.history else response.request


class ServerAndOracle:
    """Sends each request to the server (``client``) and to the ``oracle``, and compares."""

    def __init__(self, client: httpx.Client, oracle: Oracle) -> None:
        self.client = client
        self.oracle = oracle
        self.steps: list[SequenceStep] = []

    def send(
        self, method: str, path: str, *, oracle_path: str | None = None, **parts: Unpack[Parts]
    ) -> tuple[httpx.Response, httpx.Response]:
        """The server's answer and the oracle's, to the same request (``oracle_path``: the
        path the oracle is sent instead, when the server numbers its items differently)."""
        server = self.send_to_server(method, path, **parts)
        oracle = self.oracle.send(method, oracle_path or path, **parts)
        return server, oracle

    def send_to_server(self, method: str, path: str, **parts: Unpack[Parts]) -> httpx.Response:
        """Send to the server alone (and record the step): for a request whose answer the
        caller judges without the oracle's, and that changes nothing in the oracle."""
        arguments = request_arguments(**parts)
        try:
            server = self.client.request(method, path, **arguments)
        except httpx.TransportError:
            arguments.pop("follow_redirects", None)
            request = self.client.build_request(method, path, **arguments)
            self.steps.append(SequenceStep(request, None))
            raise
        self.steps.append(SequenceStep(first_request(server), server.status_code))
        return server

    def refused(
        self,
        method: str,
        path: str,
        *,
        json: Any = expect.UNSET,
        content: str | bytes | None = None,
    ) -> None:
        """Send a request outside the input domain to the server alone: it must be refused
        with a 4xx whose JSON body has a ``detail`` (the oracle is not told, so the answers
        that follow show whether it changed anything)."""
        headers = {"connection": "close"}  # it may crash the server: no reuse afterwards
        if content is not None:
            headers["content-type"] = "application/json"
        response = self.send_to_server(method, path, json=json, content=content, headers=headers)
        self.steps[-1] = SequenceStep(self.steps[-1].request, response.status_code, refused=True)
        expect.judged(response)
        where = expect.refusal_problem(response)
        if where is not None:
            got = expect.describe_response(response)
            why = "the lecture's code cannot answer this request: a robust server refuses it"
            raise self.fail(Mismatch(expect.REFUSAL, got, where, why), response)

    def refuse_again(self) -> None:
        """Send the last request, a refused one, again: it must be refused again (never sent
        to the oracle, whose own refusal may differ from the server's and still be right)."""
        last = self.steps[-1].request
        self.refused(last.method, last.url.raw_path.decode(), content=last.content or None)

    def fail(self, mismatch: Mismatch, response: httpx.Response) -> expect.LectureMismatch:
        return mismatch.error(response)

    def compare(
        self,
        server: httpx.Response,
        oracle: httpx.Response,
        *,
        numbers: Numbers = "exact",
        X: Sequence[Sequence[float]] | None = None,
    ) -> None:
        """Raise the suite's failure if the server's answer is not the oracle's."""
        found = differences(oracle, server, numbers=numbers, X=X)
        if found is not None:
            raise self.fail(found, server)

    def check(
        self,
        method: str,
        path: str,
        *,
        numbers: Numbers = "exact",
        X: Sequence[Sequence[float]] | None = None,
        oracle_path: str | None = None,
        own: Any = expect.UNSET,
        **parts: Unpack[Parts],
    ) -> tuple[httpx.Response, httpx.Response]:
        """Send to both and compare; the two answers. ``own``: where the lecture's answer is a
        200, the body also accepted (an answer judged against the server's own earlier
        answers, such as its fit: see conformance.fitted); a difference shows against it."""
        server, oracle = self.send(method, path, oracle_path=oracle_path, **parts)
        if own is expect.UNSET or oracle.status_code != 200:
            self.compare(server, oracle, numbers=numbers, X=X)
            return server, oracle
        wanted = httpx.Response(200, json=own, request=oracle.request)
        found = differences(wanted, server, numbers=numbers, X=X)
        if found is not None and differences(oracle, server, numbers=numbers, X=X) is not None:
            raise self.fail(found, server)
        return server, oracle
