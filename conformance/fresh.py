"""The first checks of a session: the lecture's transcripts, literally, on a just-started server.

Every other test makes the state it needs itself (a /reset first, or a POST whose answer says
how many items were there already), so none of them sees how the server starts. These replay
the slides in the lecture's order before any other request: the first POST /items answers the
Widget alone, /coefs answers nulls until the first /fit, the first fit (no /reset before it) is
least squares with an intercept, and so on.

A replay is a list of :class:`Step`, one per request the lecture shows, run once per exercise
and session, when the first of its tests runs (the tests carry the marker ``fresh`` and run
before every other test). Each step's test then reports its own step's outcome: a rubric group
loses points for its own step only, and a step built on an earlier one that went wrong is
skipped as blocked, naming it.

Whether the starting state counts: the grader starts every server just before the suite and
passes ``--fresh-server``, and the suite starts (or loads) the embedded reference apps and
``--app`` itself, so there a starting state unlike the lecture's is a failure. Against a plain
``--base-url`` the suite cannot tell a server that starts wrong from one that served an earlier
run: it says so in one sentence and skips the checks that need the starting state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from conformance import expect
from conformance.settings import SETTINGS


class StepBlocked(Exception):
    """The step cannot be judged: an earlier step it builds on went wrong."""


class NotFresh(Exception):
    """The server did not start as the lecture's, and it may have served an earlier run."""


@dataclass(frozen=True)
class Step:
    """One request of the lecture's transcript, replayed and checked in order."""

    id: str
    """The lecture case's id (``items-post-widget``): the rubric groups match on it."""
    slide: str
    check: Callable[[httpx.Client, Journal], None]
    """Sends the step's request(s) and checks the answer; raises a mismatch, ``StepBlocked``..."""
    needs_start: bool = False
    """Meaningful only from the lecture's starting state: skipped once it was found otherwise."""


@dataclass
class Journal:
    """What the replay found so far, for the steps after."""

    known_fresh: bool
    """The server was started for this run (``Settings.known_fresh``)."""
    started_with: str | None = None
    """What the server held at start where the lecture's holds nothing ("items in the list")."""
    found_at: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    """What steps learnt from their answers, for later steps (the list, the fit...)."""
    outcomes: dict[str, BaseException | None] = field(default_factory=dict)

    def not_fresh(
        self,
        response: httpx.Response,
        *,
        held: str,
        lecture: str,
        expected: str,
        where: str,
    ) -> Exception:
        """The server did not start as the lecture's: it ``held`` something (``"items in the
        list"``) where the lecture's ``lecture`` (``"starts empty"``). A failure when the server
        is known to be fresh, else a skip that names both causes."""
        self.started_with = held
        if self.known_fresh:
            return expect.fail(response, expected=expected, where=where)
        expect.judged(response)
        return NotFresh(not_fresh_sentence(held, lecture))


def not_fresh_sentence(held: str, lecture: str) -> str:
    """One sentence that covers both causes of a starting state unlike the lecture's."""
    return (
        f"restart your server and run again; if you just started it, it starts with {held}, "
        f"while the lecture's {lecture}"
    )


JOURNALS = pytest.StashKey[dict[str, Journal]]()


def replay(steps: Sequence[Step], client: httpx.Client, journal: Journal) -> None:
    """Run every step in order, recording each one's outcome in ``journal``."""
    for step in steps:
        if step.needs_start and journal.started_with is not None:
            journal.outcomes[step.id] = StepBlocked(
                f"the server did not start as the lecture's (it held {journal.started_with}, "
                f"see {journal.found_at}): this step needs the lecture's starting state"
            )
            continue
        try:
            step.check(client, journal)
        except (expect.LectureMismatch, httpx.TransportError, StepBlocked, NotFresh) as outcome:
            if journal.started_with is not None and not journal.found_at:
                journal.found_at = step.id
            journal.outcomes[step.id] = outcome
        else:
            journal.outcomes[step.id] = None


def report(
    request: pytest.FixtureRequest,
    client: httpx.Client,
    exercise: str,
    steps: Sequence[Step],
    step_id: str,
) -> None:
    """The outcome of ``step_id`` of ``exercise``'s replay (run now if it has not run yet):
    return when it passed, raise its failure, or skip when it was blocked or needs a fresh
    server this one may not be."""
    config = request.config
    journals = config.stash.setdefault(JOURNALS, {})
    if exercise not in journals:
        journal = Journal(known_fresh=config.stash[SETTINGS].known_fresh)
        journals[exercise] = journal
        replay(steps, client, journal)
        if journal.started_with is not None and not journal.known_fresh:
            outcome = journal.outcomes.get(journal.found_at)
            _say(config, f"conformance: starting-state checks skipped: {outcome}")
    outcome = journals[exercise].outcomes[step_id]
    if outcome is None:
        return
    if isinstance(outcome, NotFresh):
        pytest.skip(str(outcome))
    if isinstance(outcome, StepBlocked):
        pytest.skip(f"blocked: {outcome}")
    raise outcome


def _say(config: pytest.Config, line: str) -> None:
    """Show ``line`` now, in the middle of the run (a skip's reason is hidden by default)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


def params(steps: Sequence[Step], exercise_mark: Any) -> list[Any]:
    """One ``pytest.param`` per step, with its id, its exercise's marker and its slide (the
    module marks its test ``fresh``)."""
    return [
        pytest.param(step.id, id=step.id, marks=[exercise_mark, pytest.mark.slide(step.slide)])
        for step in steps
    ]
