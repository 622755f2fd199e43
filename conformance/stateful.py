"""Run a hypothesis state machine against the server under test.

A machine of the suite subclasses :class:`ClientMachine` (its rules send requests through
``self.client``), or :class:`AgainstTheLecture` (its rules send each request to the server
and to the oracle, and compare); a test runs it with :func:`run`, under the suite's
hypothesis settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import httpx
from hypothesis import reporting
from hypothesis.internal.conjecture import engine
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from conformance import profiles
from conformance.oracle import Oracle
from conformance.sequence import ServerAndOracle


class ClientMachine(RuleBasedStateMachine):
    """A state machine whose rules talk to the server under test."""

    def __init__(self, client: httpx.Client) -> None:
        super().__init__()
        self.client = client


class AgainstTheLecture(ClientMachine):
    """A machine whose rules send each request to the server and to the oracle, a fresh
    reference app of ``exercise``, and compare the answers (``self.exchange``)."""

    exercise: ClassVar[str]

    def __init__(self, client: httpx.Client) -> None:
        super().__init__(client)
        self.oracle = Oracle(self.exercise)
        self.exchange = ServerAndOracle(client, self.oracle)

    def teardown(self) -> None:
        self.oracle.close()

    @precondition(lambda self: self.exchange.steps)
    @rule()
    def repeat_the_last_request(self) -> None:
        """A refused request (robust tier), repeated, is refused again; any other is sent
        again and compared as before (:meth:`repeat`)."""
        last = self.exchange.steps[-1]
        if last.refused:
            self.exchange.refuse_again()
        else:
            self.repeat(last.request)

    def repeat(self, last: httpx.Request) -> None:
        """Send ``last``, a request of this machine's rules, again, and compare."""
        raise NotImplementedError


def run(machine: type[ClientMachine], client: httpx.Client, share: float = 0.5) -> None:
    """Run ``machine`` against ``client``: ``share`` of the profile's examples, each a fresh
    machine taking the profile's number of steps."""

    class Bound(machine):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            super().__init__(client)

    Bound.__name__ = machine.__name__
    with shrinking_for_at_most(SHRINK_SECONDS):
        run_state_machine_as_test(Bound, settings=profiles.suite_settings(share=share))


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
