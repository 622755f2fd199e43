"""The schemathesis hooks: the run's configuration, the input domain, and the state followed.

Each hook reads what it needs of the run's exercise from its registry entry (``run.hooks``):

* ``before_load_schema``: the routes and links the entry adds to the server's /openapi.json
  (:mod:`.links`).
* ``after_load_schema``: which exercise (as the suite detects it) and which mode; in the
  default mode schemathesis' own checks are switched off (unless named with ``--checks``), in
  the robust mode they run, with the statuses the lecture documents accepted (the entry's
  ``robust_statuses``: what the repository's old ``schemathesis.toml`` said, so no file needs
  copying).
* ``filter_case`` and ``map_case`` (default mode): no request to a ``guarded`` route (one
  that changes state) is sent outside the lecture's input domain (the lecture's code would
  crash, or keep half of it), unless the entry ``repairs`` its body into the domain; the
  entry's ``shapes`` nudge requests to where mistakes hide.
* ``after_call``: every answer moves the followed state (:mod:`.state`).
"""

from __future__ import annotations

import sys
from typing import Any

from schemathesis import BaseSchema, Case, HookContext, Response, hook
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import _BUILTIN_CHECK_NAMES
from schemathesis.core import NOT_SET

from conformance import domain
from conformance.exercise_hooks import Draft
from conformance.expect import UNSET
from conformance.schemathesis_hooks import links
from conformance.schemathesis_hooks.exchange import NOT_JSON, lecture_route, read
from conformance.schemathesis_hooks.run import RUNS, NotALectureServer, document_exercise

_DEFAULT_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
"""What schemathesis' positive_data_acceptance accepts by default (a request the OpenAPI
calls valid); an entry's ``robust_statuses`` add to it, route by route."""


@hook
def before_load_schema(context: HookContext, raw_schema: dict[str, Any]) -> None:
    try:
        exercise = document_exercise(raw_schema)
    except NotALectureServer:
        return  # said, and the run stopped, once the schema is loaded
    for what in links.extend(raw_schema, exercise):
        print(f"conformance: added {what}", flush=True)


@hook
def after_load_schema(context: HookContext, schema: BaseSchema) -> None:
    try:
        run = RUNS.start(schema)
    except NotALectureServer as error:
        print(f"conformance: {error}", file=sys.stderr, flush=True)
        raise
    checks = schema.config.checks
    if run.robust:
        operations = [
            {
                "include-name": label,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": sorted({*_DEFAULT_ACCEPTED, *statuses})
                    }
                },
            }
            for label, statuses in run.hooks.robust_statuses.items()
        ]
        extra = SchemathesisConfig.from_dict({"operations": operations})
        schema.config.operations.operations.extend(extra.projects.default.operations.operations)
    else:
        for name in _BUILTIN_CHECK_NAMES - {"max_response_time"}:
            if name not in checks._explicit:  # named with --checks: the user's choice
                checks.get_by_name(name=name).enabled = False
    mode = "robust" if run.robust else "default (the lecture's input domain)"
    print(f"conformance: the lecture's {run.exercise}, {mode} mode", flush=True)


@hook
def filter_case(context: HookContext, case: Case[Any]) -> bool:
    run = RUNS.of(case.operation.schema)
    label = _label(case)
    if run is None or run.robust or label not in run.hooks.guarded:
        return True
    request = _domain_request(case, run.exercise)
    if domain.in_domain(run.exercise, request, run.hooks.state.domain(run.state)):
        return True
    return label in run.hooks.repairs and isinstance(case.body, dict)  # repaired below


@hook
def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
    run = RUNS.of(case.operation.schema)
    if run is None or run.robust:
        return case
    template, _ = lecture_route(run.exercise, case.operation.path, {})
    label = f"{case.method.upper()} {template.rstrip('/') or '/'}"
    dstate = run.hooks.state.domain(run.state)
    repair = run.hooks.repairs.get(label)
    if repair is not None and isinstance(case.body, dict):
        if not domain.in_domain(run.exercise, _domain_request(case, run.exercise), dstate):
            case.body = repair(case.body)
        return case
    shape = run.hooks.shapes.get(label)
    if shape is None:
        return case
    draft = Draft(
        body=UNSET if case.body is NOT_SET else case.body,
        query=case.query or {},
        path_parameters=case.path_parameters or {},
        held=run.state,
        domain=dstate,
    )
    shaped = shape(draft)
    if shaped.body is not draft.body:
        case.body = shaped.body
    if shaped.query is not draft.query:
        case.query = dict(shaped.query)
    if shaped.path_parameters is not draft.path_parameters:
        case.path_parameters = dict(shaped.path_parameters)
    return case


@hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    run = RUNS.of(case.operation.schema)
    if run is not None:
        run.observe(case.id, read(case, response, run.exercise))


def _label(case: Case[Any]) -> str:
    return f"{case.method.upper()} {case.operation.path.rstrip('/') or '/'}"


def _domain_request(case: Case[Any], exercise: str) -> domain.Request:
    body: Any = UNSET
    if case.body is not NOT_SET:
        json_type = case.media_type is None or "json" in case.media_type.lower()
        body = case.body if json_type else NOT_JSON
    query = {
        k: str(v[-1] if isinstance(v, list) and v else v) for k, v in (case.query or {}).items()
    }
    template, path_params = lecture_route(
        exercise, case.operation.path, dict(case.path_parameters or {})
    )
    return domain.Request(
        method=case.method.upper(),
        template=template,
        path_params=path_params,
        query=query,
        body=body,
    )
