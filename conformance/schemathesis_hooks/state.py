"""What the server holds, followed request by request, and how to bring the oracle there.

schemathesis sends its requests one after the other to one server, whose state carries over
from request to request and from phase to phase. The hooks follow that state from the answers
themselves, as the exercise's registry entry says (``ExerciseHooks.state``, a
:class:`~conformance.exercise_hooks.Followed`): a list that every POST answers whole, say, or
the last fit that answered 200.

A state is a short text (canonical JSON), ``None`` when unknown: nothing is known about a
server before its first answer that tells it (it may have served others). ``Followed.setup``
gives the requests that bring a fresh oracle into a state: that is how a request whose answer
depends on earlier ones is judged (a fresh reference app per sequence, the sequence being the
state's setup and the request).
"""

from __future__ import annotations

from typing import Any

from conformance.exercise_hooks import Answered, Followed, Held
from conformance.schemathesis_hooks.entries import route


def next_held(
    followed: Followed,
    held: Held,
    label: str,
    body: Any,
    *,
    in_domain: bool,
    status: int,
    answer: Any,
) -> Held:
    """What the server holds after the request ``label`` with ``body`` got ``status`` and
    ``answer``, when it held ``held`` before."""
    return followed.after(held, Answered(route(label), body, in_domain, status, answer))
