"""A sequence of requests sent to the server under test and to the oracle, side by side.

Every request goes to both; every answer of the server is compared with the oracle's
(:func:`conformance.oracle.differences`). A difference is a :class:`SequenceMismatch`: the
numbered requests that led to it, the first answer that differs in the student-facing format,
and a shell script of curl lines that replays the whole sequence (saved by :meth:`save`).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from hypothesis import note, reporting
from hypothesis.internal.conjecture import engine
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from conformance import expect, profiles
from conformance.oracle import Mismatch, Numbers, Oracle, differences

SHOWN_STEP = 140
"""How many characters of each earlier request a failure shows."""


@dataclass(frozen=True)
class Step:
    """One request of the sequence, as sent to the server, and the status it got."""

    request: httpx.Request
    status: int | None

    def __str__(self) -> str:
        url = self.request.url
        target = url.raw_path.decode("ascii", "replace")
        text = f"{self.request.method} {target}"
        if self.request.content:
            text += " " + self.request.content.decode("utf-8", "replace")
        shown = expect.shorten(text, SHOWN_STEP)
        return f"{shown} -> {self.status}" if self.status is not None else shown


def first_request(response: httpx.Response) -> httpx.Request:
    """The request that was sent, before any redirect was followed."""
    return response.history[0].request if response.history else response.request


class SequenceMismatch(expect.LectureMismatch):
    """An answer in a sequence differs from what the lecture's code answers."""

    def __init__(self, steps: Sequence[Step], mismatch: Mismatch, response: httpx.Response):
        self.steps = list(steps)
        self.failing = first_request(response)
        self.why = mismatch.why
        super().__init__(
            response,
            expected=mismatch.expected,
            got=mismatch.got,
            where=mismatch.where,
            request=self.failing,
        )

    @property
    def script(self) -> Path:
        """Where :meth:`save` writes the replay script (named by its content)."""
        text = self.script_text()
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / "conformance-sequences" / f"sequence-{digest}.sh"

    def script_text(self) -> str:
        lines = [
            "#!/bin/sh",
            "# Replays, in order, the requests of a sequence on which the server's answer",
            "# differs from the lecture's (the last request). Start from a freshly started",
            "# server: the answers depend on what it already holds.",
        ]
        for number, step in enumerate(self.steps, 1):
            lines.append(f"echo '--- {number}.'")
            lines.append(expect.curl(step.request) + "; echo")
        return "\n".join(lines) + "\n"

    def save(self) -> Path:
        """Write the replay script; its path (the message names it)."""
        path = self.script
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.script_text())
        path.chmod(0o755)
        return path

    def render(self, slide: str | None = None) -> str:
        lines = [expect.describe_request(self.failing)]
        if slide:
            lines.append(f"  (lecture: {slide!r})")
        lines.append(f"the shortest sequence found that differs ({len(self.steps)} requests):")
        for number, step in enumerate(self.steps, 1):
            marker = "   <- differs" if number == len(self.steps) else ""
            lines.append(f"  {number}. {step}{marker}")
        lines.append(f"expected {self.expected}  ({self.why})")
        lines.append(f"got      {self.got}")
        lines.append(f"differs at {self.where}")
        lines.append(f"reproduce: {expect.curl(self.failing)}")
        lines.append(f"replay the whole sequence: sh {self.script}")
        return "\n".join(lines)


class Exchange:
    """Sends each request to the server (``client``) and to the ``oracle``, and compares."""

    def __init__(self, client: httpx.Client, oracle: Oracle) -> None:
        self.client = client
        self.oracle = oracle
        self.steps: list[Step] = []

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = expect.UNSET,
        follow_redirects: bool = True,
        oracle_path: str | None = None,
    ) -> tuple[httpx.Response, httpx.Response]:
        """The server's answer and the oracle's, to the same request (``oracle_path``: the
        path the oracle is sent instead, when the server numbers its items differently)."""
        server = self.send_to_server(
            method, path, params=params, json=json, follow_redirects=follow_redirects
        )
        oracle = self.oracle.send(
            method,
            oracle_path or path,
            params=params,
            json=json,
            follow_redirects=follow_redirects,
        )
        return server, oracle

    def send_to_server(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = expect.UNSET,
        content: str | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
    ) -> httpx.Response:
        """Send to the server alone (and record the step): for a request whose answer the
        caller judges without the oracle's, and that changes nothing in the oracle."""
        kwargs: dict[str, Any] = {} if json is expect.UNSET else {"json": json}
        if content is not None:
            kwargs = {"content": content}
        if headers:
            kwargs["headers"] = dict(headers)
        try:
            server = self.client.request(
                method,
                path,
                params=dict(params) if params else None,
                follow_redirects=follow_redirects,
                **kwargs,
            )
        except httpx.TransportError:
            request = self.client.build_request(method, path, params=params, **kwargs)
            self.steps.append(Step(request, None))
            raise
        self.steps.append(Step(first_request(server), server.status_code))
        note(f"{len(self.steps)}. {self.steps[-1]}")
        return server

    def refused(
        self,
        method: str,
        path: str,
        *,
        json: Any = expect.UNSET,
        content: str | None = None,
    ) -> None:
        """Send a request outside the input domain to the server alone: it must be refused
        with a 4xx whose JSON body has a ``detail`` (the oracle is not told, so the answers
        that follow show whether it changed anything)."""
        headers = {"connection": "close"}  # it may crash the server: no reuse afterwards
        if content is not None:
            headers["content-type"] = "application/json"
        response = self.send_to_server(method, path, json=json, content=content, headers=headers)
        wanted = "a 4xx refusal with a JSON 'detail' (not a crash)"
        why = "the lecture's code cannot answer this request: a robust server refuses it"
        got = expect.describe_response(response)
        where = None
        if not 400 <= response.status_code < 500:
            where = f"$.status: expected 4xx, got {response.status_code}"
        else:
            try:
                body = response.json()
            except ValueError:
                body = None
                where = "$ (not JSON)"
            if where is None and (not isinstance(body, dict) or "detail" not in body):
                where = "$.detail: missing"
        if where is not None:
            raise self.fail(Mismatch(wanted, got, where, why), response)

    def fail(self, mismatch: Mismatch, response: httpx.Response) -> SequenceMismatch:
        return SequenceMismatch(self.steps, mismatch, response)

    def compare(
        self,
        server: httpx.Response,
        oracle: httpx.Response,
        *,
        numbers: Numbers = "exact",
        X: Sequence[Sequence[float]] | None = None,
    ) -> None:
        """Raise a :class:`SequenceMismatch` if the server's answer is not the oracle's."""
        found = differences(oracle, server, numbers=numbers, X=X)
        if found is not None:
            raise self.fail(found, server)

    def check(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = expect.UNSET,
        numbers: Numbers = "exact",
        X: Sequence[Sequence[float]] | None = None,
        follow_redirects: bool = True,
        oracle_path: str | None = None,
    ) -> tuple[httpx.Response, httpx.Response]:
        """Send to both and compare; the two answers."""
        server, oracle = self.send(
            method,
            path,
            params=params,
            json=json,
            follow_redirects=follow_redirects,
            oracle_path=oracle_path,
        )
        self.compare(server, oracle, numbers=numbers, X=X)
        return server, oracle


def run_machine(
    machine: type[RuleBasedStateMachine], client: httpx.Client, *, share: float = 0.5
) -> None:
    """Run ``machine`` (its ``__init__`` takes the client) against ``client``, with the suite's
    hypothesis settings; a failure saves its replay script before it is reported."""

    class Bound(machine):  # type: ignore[valid-type, misc]
        def __init__(self) -> None:
            super().__init__(client)

    try:
        with shrinking_for_at_most(SHRINK_SECONDS):
            run_state_machine_as_test(Bound, settings=profiles.suite_settings(share=share))
    except SequenceMismatch as failure:
        failure.save()
        raise


SHRINK_SECONDS = 20
"""How long hypothesis may shrink a failing sequence: each try replays it against the server
(a plot takes ~0.1 s), so a slow server could otherwise keep it busy for minutes."""


@contextmanager
def shrinking_for_at_most(seconds: int) -> Iterator[None]:
    """Hypothesis' shrinking time limit, lowered for the duration (hypothesis documents the
    limit, five minutes, as a module constant meant to be patched)."""
    saved = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = min(saved, seconds)
    outer = reporting.current_reporter()

    def report(value: object) -> None:
        # Its note on stopping says "five minutes": the failure shown is simply the shortest
        # sequence found within the limit, which is all a student needs to know.
        if not str(value).startswith("WARNING: Hypothesis has spent more than five minutes"):
            outer(value)

    try:
        with reporting.with_reporter(report):
            yield
    finally:
        engine.MAX_SHRINKING_SECONDS = saved
