"""The lecture's rules, one per route, and how a server's answer is judged by one.

Every rule is judged the same way: the request schemathesis sent goes to the oracle (a fresh
reference app brought into the state the server was in) and the two answers are compared by
the suite's equivalence rules (:func:`conformance.oracle.differences`). A request outside the
input domain gets no verdict from the lecture's rules: in the robust mode it must be refused
cleanly instead (:data:`ROBUST`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from schemathesis.core.failures import Failure

from conformance import domain, expect
from conformance.failure import Sent
from conformance.oracle import Mismatch, differences, png_problem
from conformance.schemathesis_hooks import state as states
from conformance.schemathesis_hooks.exchange import Exchange
from conformance.schemathesis_hooks.run import Run, Seen


@dataclass(frozen=True)
class Rule:
    """A rule of the lecture, guarded by the check named ``check``."""

    check: str
    exercise: str
    label: str
    """The route it is about ("GET /add"); empty for the rules about every route."""
    says: str
    slide: str
    stateful: bool = False
    """The answer depends on what the server holds (judged only when that is known)."""


RULES = (
    Rule("hello_world", "ex1", "GET /", 'GET / answers {"message": "Hello World"}',
         "FastAPI - Basic Example"),
    Rule("add_query_parameters", "ex1", "GET /add",
         "GET /add answers {\"result\": x + y} for int x and y (y defaults to 0), else the 422 "
         "FastAPI gives", "Query parameters"),
    Rule("user_path_parameter", "ex1", "GET /user/{user_id}",
         "GET /user/{user_id} echoes the int user_id, and name only when it is given",
         "Path parameters"),
    Rule("items_post_appends", "ex1", "POST /items",
         "POST /items appends the Item and answers the whole list", "Request body",
         stateful=True),
    Rule("items_get_by_index", "ex1", "GET /items/{item_id}",
         "GET /items/{item_id} answers the item at that index, 404 'Item not found' past the end",
         "Error handling - HTTPException", stateful=True),
    Rule("root_redirects_to_docs", "ex2", "GET /", "GET / redirects to this server's /docs",
         "FastAPI - A model API"),
    Rule("fit_least_squares", "ex2", "POST /fit",
         "POST /fit fits ordinary least squares with an intercept and answers its coefficients",
         "Fitting the model"),
    Rule("predict_from_fit", "ex2", "POST /predict",
         "POST /predict answers the fitted model's y_hat for the X it is sent",
         "Predicting from the model", stateful=True),
    Rule("coefs_of_last_fit", "ex2", "GET /coefs",
         "GET /coefs answers the last fit's intercept and coef (nulls before any fit)",
         "FastAPI - A model API", stateful=True),
    Rule("plot_residuals_png", "ex2", "GET /plot",
         "GET /plot answers a PNG of the current fit (400 before any fit): the same model the "
         "same image, another fit another image", "Residuals plot", stateful=True),
    Rule("reset_forgets_fit", "ex2", "GET /reset", "GET /reset forgets the model and answers {}",
         "FastAPI - A model API"),
    Rule("http_methods", "", "",
         "a method the lecture's code does not route is FastAPI's 405 (or 404)", "HTTP Methods"),
)  # fmt: skip

HTTP_METHODS = RULES[-1]

ROBUST = Rule("robust_refusal", "", "",
              "outside what the lecture's code answers, a server refuses with a 4xx and a JSON "
              "detail, never a 5xx", "HTTP Methods")  # fmt: skip


class LectureRuleBroken(Failure):
    """A server's answer is not the lecture's (one finding per rule per operation)."""

    code = "ST901"
    kind_title = "Lecture rule broken"

    @property
    def _unique_key(self) -> str:
        return self.title or ""


def rule_for(exercise: str, label: str) -> Rule | None:
    """The rule about the request ``label`` ("GET /add") of ``exercise``: its route's, or
    ``http_methods`` for another method on a route of the lecture; None on a route the
    lecture does not have (a server may add its own: the lecture says nothing about them)."""
    op = domain.operation(exercise, label)
    if op is not None:
        return next(r for r in RULES if r.exercise == exercise and r.label == op.label)
    path = label.split(" ", 1)[1]
    if any(domain.operation(exercise, f"{m} {path}") for m in ("GET", "POST")):
        return HTTP_METHODS
    return None


def judge(run: Run, rule: Rule, seen: Seen) -> None:
    """Raise :class:`LectureRuleBroken` when the answer breaks ``rule``."""
    before, exchange = seen.before, seen.exchange
    op = domain.operation(run.exercise, exchange.label)
    if not seen.in_domain:
        return  # the lecture's code crashes here, or several answers are right: no verdict
    if rule.stateful and before is None and rule.check != "items_post_appends":
        if rule.check == "plot_residuals_png" and exchange.response.status_code == 200:
            _raise(rule, exchange, png_problem(exchange.response), before, run.exercise)
        return  # what the server held is not known: nothing to compare with
    if rule.check == "items_post_appends" and before is None:
        before = _held(exchange.response)
    if rule.check == "root_redirects_to_docs" and _followed_to_docs(exchange):
        return  # schemathesis followed the redirect (the route declares no 3xx) to /docs
    if rule.check == "plot_residuals_png" and before not in (None, states.UNFITTED):
        # a fitted model: a PNG, compared by the metamorphic rules (the oracle's own image,
        # drawn in another size or style, is never compared pixel by pixel)
        problem = png_problem(exchange.response) or run.images.check(before, exchange.response)
        _raise(rule, exchange, problem, before, run.exercise)
        return
    expected = run.mirror.answer(
        before if (rule.stateful and before is not None) else _any(run, before),
        exchange,
        in_domain=True,
    )
    if expected is None:
        return  # the reference app refuses what the server holds: an earlier failure says so
    X = exchange.body.get("X") if isinstance(exchange.body, dict) else None
    numbers: Any = op.numbers if op is not None else "exact"
    problem = differences(expected, exchange.response, numbers=numbers, X=X)
    _raise(rule, exchange, problem, before, run.exercise)


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
    _raise(ROBUST, exchange, problem, None, run.exercise)


def _followed_to_docs(exchange: Exchange) -> bool:
    """The answer is the end of a followed redirect: /docs, on this same server."""
    final = exchange.response.request.url
    return final.path == "/docs" and exchange.response.status_code == 200


def _any(run: Run, before: states.State) -> str:
    """A state for a request whose answer does not depend on it: the mirror's own."""
    return run.mirror.current or ("[]" if run.exercise == "ex1" else states.UNFITTED)


def _held(response: httpx.Response) -> str:
    """What the server held before a POST /items, from its answer: all but the last item."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return states.canonical(answer[:-1] if isinstance(answer, list) and answer else [])


def _raise(
    rule: Rule, exchange: Exchange, problem: Mismatch | None, before: states.State, exercise: str
) -> None:
    if problem is None:
        return
    lines = [f"{rule.says}  (lecture: {rule.slide!r})", Sent.of(exchange.request).line()]
    if rule.stateful and before is not None:
        lines += [f"  after: {step}" for step in states.describe(exercise, before)]
    lines += [
        f"expected {problem.expected}",
        f"got      {problem.got}",
        f"differs at {problem.where}",
    ]
    raise LectureRuleBroken(
        operation=exchange.operation,
        title=f"Lecture rule broken: {rule.check}",
        message="\n".join(lines),
    )
