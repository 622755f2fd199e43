"""Run a hypothesis state machine against the server under test.

A machine of the suite subclasses :class:`ClientMachine` (its rules send requests through
``self.client``); a test runs it with :func:`run`, under the suite's hypothesis settings.
"""

from __future__ import annotations

import httpx
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from conformance import profiles


class ClientMachine(RuleBasedStateMachine):
    """A state machine whose rules talk to the server under test."""

    def __init__(self, client: httpx.Client) -> None:
        super().__init__()
        self.client = client


def run(machine: type[ClientMachine], client: httpx.Client, share: float = 0.5) -> None:
    """Run ``machine`` against ``client``: ``share`` of the profile's examples, each a fresh
    machine taking the profile's number of steps."""

    class Bound(machine):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            super().__init__(client)

    Bound.__name__ = machine.__name__
    run_state_machine_as_test(Bound, settings=profiles.suite_settings(share=share))
