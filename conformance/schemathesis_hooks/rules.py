"""The lecture's rules, one per route, and how a server's answer is judged by one.

An exercise's rules are the checks of its registry entry (``ExerciseHooks.checks``, one
:class:`~conformance.exercise_hooks.LectureCheck` per route); ``http_methods`` is every
exercise's. Every rule is judged the same way: the request schemathesis sent goes to the oracle
(a fresh reference app brought into the state the server was in) and the two answers are
compared by the suite's equivalence rules (:func:`conformance.oracle.differences`); a check's
fields say where its route departs from that (a stateful answer, a picture, a redirect). A
request outside the input domain gets no verdict from the lecture's rules: in the robust mode
it must be refused cleanly instead (:data:`ROBUST`).
"""

from __future__ import annotations

from typing import Any

from schemathesis.core.failures import Failure

from conformance import domain, expect
from conformance.exercise_hooks import Held, LectureCheck
from conformance.failure import Sent
from conformance.oracle import Mismatch, differences, png_problem
from conformance.schemathesis_hooks.entries import entry, lecture_routes, route
from conformance.schemathesis_hooks.exchange import Exchange
from conformance.schemathesis_hooks.run import Run, Seen

HTTP_METHODS = LectureCheck(
    "http_methods", "", "a method the lecture's code does not route is FastAPI's 405 (or 404)",
    "HTTP Methods",
)  # fmt: skip
"""The rule about every route of every exercise: a method it does not take."""

ROBUST = LectureCheck(
    "robust_refusal", "",
    "outside what the lecture's code answers, a server refuses with a 4xx and a JSON detail, "
    "never a 5xx", "HTTP Methods",
)  # fmt: skip


class LectureRuleBroken(Failure):
    """A server's answer is not the lecture's (one finding per rule per operation)."""

    code = "ST901"
    kind_title = "Lecture rule broken"

    @property
    def _unique_key(self) -> str:
        return self.title or ""


def rule_for(exercise: str, label: str) -> LectureCheck | None:
    """The rule about the request ``label`` ("GET /add") of ``exercise``: its route's check,
    or ``http_methods`` for another method on a route of the lecture; None on a route the
    lecture does not have (a server may add its own: the lecture says nothing about them),
    or one its entry declares no check for."""
    wanted = route(label)
    routes = lecture_routes(exercise)
    if wanted in routes:
        return next((c for c in entry(exercise).checks if route(c.label) == wanted), None)
    path = wanted.split(" ", 1)[1]
    if any(known.split(" ", 1)[1] == path for known in routes):
        return HTTP_METHODS
    return None


def judge(run: Run, rule: LectureCheck, seen: Seen) -> None:
    """Raise :class:`LectureRuleBroken` when the answer breaks ``rule``."""
    before, exchange = seen.before, seen.exchange
    op = domain.operation(run.exercise, exchange.label)
    if not seen.in_domain:
        return  # the lecture's code crashes here, or several answers are right: no verdict
    if rule.stateful and before is None:
        if rule.held_before is None:
            if rule.image and exchange.response.status_code == 200:
                _raise(run, rule, exchange, png_problem(exchange.response), before)
            return  # what the server held is not known: nothing to compare with
        before = rule.held_before(exchange.response)
    if rule.redirects_to is not None and _followed_to(exchange, rule.redirects_to):
        return  # schemathesis followed the redirect (the route declares no 3xx)
    if rule.image and before not in (None, run.hooks.state.fresh):
        # something to draw: a PNG, compared by the metamorphic rules (the oracle's own image,
        # drawn in another size or style, is never compared pixel by pixel)
        problem = png_problem(exchange.response) or run.images.check(before, exchange.response)
        _raise(run, rule, exchange, problem, before)
        return
    expected = run.mirror.answer(
        before if (rule.stateful and before is not None) else _any(run),
        exchange,
        in_domain=True,
        redirect=rule.redirects_to is not None,
    )
    if expected is None:
        return  # the reference app refuses what the server holds: an earlier failure says so
    X = exchange.body.get("X") if isinstance(exchange.body, dict) else None
    numbers: Any = op.numbers if op is not None else "exact"
    problem = differences(expected, exchange.response, numbers=numbers, X=X)
    _raise(run, rule, exchange, problem, before)


def judge_robust(run: Run, seen: Seen) -> None:
    """Robust mode, outside the domain: a clean refusal, never a crash."""
    if seen.in_domain:
        return
    exchange = seen.exchange
    response = exchange.response
    wanted = "a 4xx with a JSON 'detail' (or the lecture's answer), not a crash"
    problem = None
    if response.status_code >= 500:
        where = f"$.status: expected 4xx, got {response.status_code}"
        problem = Mismatch(wanted, expect.describe_response(response), where)
    elif 400 <= response.status_code < 500:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not (isinstance(body, dict) and "detail" in body):
            problem = Mismatch(wanted, expect.describe_response(response), "$.detail: missing")
    _raise(run, ROBUST, exchange, problem, None)


def _followed_to(exchange: Exchange, path: str) -> bool:
    """The answer is the end of a followed redirect: ``path``, on this same server."""
    final = exchange.response.request.url
    return final.path == path and exchange.response.status_code == 200


def _any(run: Run) -> str:
    """A state for a request whose answer does not depend on it: the mirror's own."""
    return run.mirror.current or run.hooks.state.fresh


def _raise(
    run: Run, rule: LectureCheck, exchange: Exchange, problem: Mismatch | None, before: Held
) -> None:
    if problem is None:
        return
    lines = [f"{rule.says}  (lecture: {rule.slide!r})", Sent.of(exchange.request).line()]
    if rule.stateful and before is not None:
        lines += [f"  after: {step}" for step in run.hooks.state.describe(before)]
    lines += [
        f"expected {problem.expected}",
        f"got      {problem.got}",
        f"differs at {problem.where}",
    ]
    raise LectureRuleBroken(
        operation=exchange.operation,
        title=f"Lecture rule broken: {rule.name}",
        message="\n".join(lines),
    )
