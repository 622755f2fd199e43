"""The input domain for schemathesis' generated requests: the default tier sends only those
on which the lecture's code answers (see :mod:`conformance.domain`).

A generated request outside the domain is rejected before it is sent (hypothesis draws
another). A request whose answer depends on the server's state (ex2's /predict needs a fit
with as many columns as its X) is preceded by the domain's set-up requests; their answers are
held only to answering (they are judged by their own tests: see conformance.prerequisite).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import reject
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.core import NOT_SET
from schemathesis.core.result import Ok
from schemathesis.schemas import BaseSchema

from conformance import domain, expect
from conformance.domain.shape import Request
from conformance.prerequisite import answered


def labels(schema: BaseSchema) -> set[str]:
    """Every operation the schema declares, as "METHOD /path"."""
    found = set()
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            op = result.ok()
            found.add(f"{op.method.upper()} {op.path}")
    return found


def as_request(case: Case[Any]) -> Request:
    """The generated case as the domain reads it (query values as the server reads them)."""
    query = {name: _text(value) for name, value in (case.query or {}).items()}
    path_params = {name: _text(value) for name, value in (case.path_parameters or {}).items()}
    body = expect.UNSET if case.body is NOT_SET else case.body
    return Request(case.method.upper(), case.path, path_params, query, body)


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[-1] if value else ""  # the last value wins
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def in_domain(
    client: httpx.Client, schema: BaseSchema, label: str, strategy: st.SearchStrategy[Case[Any]]
) -> tuple[st.SearchStrategy[Case[Any]], Callable[[Case[Any]], None] | None]:
    """The cases to draw, and a function that rejects a case outside the domain (or sends the
    requests that bring the server into the state the case needs). Where the domain is too
    narrow for the schema's own bodies to land in it often (well-posed least-squares data),
    half of the cases carry a body drawn from the domain instead."""
    exercise = domain.operations_exercise(labels(schema))
    op = domain.operation(exercise, label) if exercise is not None else None
    if exercise is None or op is None:
        return strategy, None
    if op.bodies is not None:
        strategy = st.one_of(strategy, st.tuples(strategy, op.bodies).map(_with_body))

    def keep(case: Case[Any]) -> None:
        request = as_request(case)
        setup, state = op.setup(request)
        if not op.answers(request, state):
            reject()
        if setup:
            prepare(client, exercise, setup)

    return strategy, keep


def _with_body(pair: tuple[Case[Any], Any]) -> Case[Any]:
    case, body = pair
    case.body = body
    return case


def prepare(client: httpx.Client, exercise: str, setup: Any) -> None:
    """Send the set-up requests to the server: each must answer (see
    :mod:`conformance.prerequisite`; their answers are judged by their own tests)."""
    for call in setup:
        kwargs: dict[str, Any] = {} if call.json is expect.UNSET else {"json": call.json}
        answered(client.request(call.method, call.path, **kwargs), json=False)
