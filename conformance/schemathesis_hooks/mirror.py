"""The oracle, kept from one check to the next, and the state it is in.

Judging a request that depends on state means sending the oracle the state's setup and then
the request (a fresh reference app per sequence). Replaying the whole state before every
request that grows it (a list, before every POST that appends to it) would cost a run time
quadratic in its length, so the oracle of the previous check is kept, with the state it
reached: when that is the state the next request needs (the usual case: requests follow each
other), only the request is sent; otherwise the oracle starts again from a fresh app and
replays the setup.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from conformance.exercise_hooks import Followed, Held
from conformance.oracle import Oracle
from conformance.schemathesis_hooks.exchange import Exchange
from conformance.schemathesis_hooks.state import next_held


class Mirror:
    """A reference app for one exercise, and the state (canonical JSON) it holds."""

    def __init__(self, exercise: str, followed: Followed) -> None:
        self.exercise = exercise
        self.followed = followed
        self._oracle: Oracle | None = None
        self._at: Held = None
        self._lock = threading.Lock()

    def answer(
        self, state: str, exchange: Exchange, *, in_domain: bool, redirect: bool = False
    ) -> httpx.Response | None:
        """What the lecture's code answers ``exchange``'s request in ``state``; None when the
        state cannot be set up (the server holds something the reference app refuses).
        ``redirect``: the lecture's answer is a redirect, which is not followed."""
        with self._lock:
            oracle = self._bring_to(state)
            if oracle is None:
                return None
            headers = {"content-type": exchange.content_type} if exchange.content_type else None
            response = oracle.send(
                exchange.request.method,
                exchange.target,
                content=exchange.request.content or None,
                headers=headers,
                # schemathesis follows a redirect unless the route declares one: so does this
                follow_redirects=not redirect and not 300 <= exchange.response.status_code < 400,
            )
            self._at = next_held(
                self.followed,
                self._at,
                exchange.label,
                exchange.body,
                in_domain=in_domain,
                status=response.status_code,
                answer=_json(response),
            )
            return response

    @property
    def current(self) -> Held:
        """The state the reference app is in now (None: none yet, or not known)."""
        return self._at

    def _bring_to(self, state: str) -> Oracle | None:
        if self._oracle is None:
            self._oracle = Oracle(self.exercise)
            self._at = self.followed.fresh
        if self._at == state:
            return self._oracle
        self._oracle.reset()
        self._at = None
        for call in self.followed.setup(state):
            response = self._oracle.send(call.method, call.path, json=call.json)
            if response.status_code != 200:
                return None
        self._at = state  # what the server holds, the reference app now holds too
        return self._oracle

    def close(self) -> None:
        with self._lock:
            if self._oracle is not None:
                self._oracle.close()
                self._oracle = None


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None
