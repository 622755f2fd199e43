"""The schemathesis hooks: the run's configuration, the input domain, and the state followed.

* ``after_load_schema``: which exercise (as the suite detects it) and which mode; in the
  default mode schemathesis' own checks are switched off (unless named with ``--checks``), in
  the robust mode they run, with the statuses the lecture documents accepted (what the
  repository's old ``schemathesis.toml`` said, so no file needs copying).
* ``filter_case`` and ``map_case`` (default mode): no request that changes state is sent
  outside the lecture's input domain (the lecture's code would crash, or keep half of it);
  a /fit body is made a well-posed data set of the same width, a /predict X gets the fitted
  model's number of columns.
* ``after_call``: every answer moves the followed state (:mod:`.state`).
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

from schemathesis import BaseSchema, Case, HookContext, Response, hook
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import _BUILTIN_CHECK_NAMES
from schemathesis.core import NOT_SET

from conformance import domain
from conformance.domain.rules import finite, matrix_shape
from conformance.expect import UNSET
from conformance.regression import well_conditioned
from conformance.schemathesis_hooks import links
from conformance.schemathesis_hooks import state as states
from conformance.schemathesis_hooks.exchange import NOT_JSON, lecture_route, read
from conformance.schemathesis_hooks.run import RUNS, NotALectureServer, exercise_of
from conformance.strategies import URL_PIECES

CHANGES_STATE = ("POST /items", "POST /fit")
"""Requests whose answer outside the domain can leave the lecture's code broken for good."""

MAX_COLUMNS = 5
"""A /fit body made well-posed keeps its width up to this many columns."""

# What each route documents beyond schemathesis' defaults, for positive_data_acceptance
# (a request the OpenAPI calls valid): /plot and /predict before any fit answer 400; /fit and
# /predict refuse schema-valid bodies of the wrong shape (no y, ragged X...) with 422.
_DEFAULT_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
ROBUST_OPERATIONS = [
    {"include-name": "GET /plot", "extra": ["400"]},
    {"include-name": "POST /predict", "extra": ["400", "422"]},
    {"include-name": "POST /fit", "extra": ["422"]},
]


@hook
def before_load_schema(context: HookContext, raw_schema: dict[str, Any]) -> None:
    try:
        exercise = exercise_of(raw_schema)
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
                "include-name": op["include-name"],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": sorted({*_DEFAULT_ACCEPTED, *op["extra"]})
                    }
                },
            }
            for op in ROBUST_OPERATIONS
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
    if run is None or run.robust or _label(case) not in CHANGES_STATE:
        return True
    request = _domain_request(case, run.exercise)
    if domain.in_domain(run.exercise, request, states.domain_state(run.exercise, run.state)):
        return True
    return _label(case) == "POST /fit" and isinstance(case.body, dict)  # made well-posed below


@hook
def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
    run = RUNS.of(case.operation.schema)
    if run is None or run.robust:
        return case
    template, _ = lecture_route(run.exercise, case.operation.path, {})
    label = f"{case.method.upper()} {template.rstrip('/') or '/'}"
    dstate = states.domain_state(run.exercise, run.state)
    if label == "POST /fit" and isinstance(case.body, dict):
        if not domain.in_domain(run.exercise, _domain_request(case, run.exercise), dstate):
            case.body = well_posed(case.body)
    elif label == "POST /predict" and isinstance(case.body, dict) and dstate.get("columns"):
        reshaped = with_columns(case.body, dstate["columns"])
        if reshaped is not None:
            case.body = reshaped
    elif label == "GET /user/{user_id}" and isinstance((case.query or {}).get("name"), str):
        case.query = {**case.query, "name": varied_name(case.query["name"])}
    elif label == "GET /items/{item_id}" and run.state is not None and case.path_parameters:
        (name, value), *_ = case.path_parameters.items()
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            held = len(json.loads(run.state))
            case.path_parameters = {**case.path_parameters, name: near_the_end(value, held)}
    return case


def varied_name(name: str) -> str:
    """``name``, or (chosen by the name itself) padded with spaces or ending in a piece of
    text that means something in a URL ("%41", "+", "&"...): a server that tidies or decodes
    the name a second time answers those wrongly, and random text rarely holds them."""
    if not name:
        return name  # the empty name is a case of its own
    pick = int(hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:8], 16)
    if pick % 3 == 0:
        return name
    if pick % 3 == 1:
        return f" {name} "
    return name + URL_PIECES[pick // 3 % len(URL_PIECES)]


def near_the_end(item_id: int, held: int) -> int:
    """An index, half of the time moved to the edge of the list (its last item, or the first
    index past its end), where an off-by-one in a bounds check shows."""
    return (item_id, held, max(held - 1, 0), item_id)[item_id % 4]


@hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    run = RUNS.of(case.operation.schema)
    if run is not None:
        run.observe(case.id, read(case, response, run.exercise))


def well_posed(body: dict[str, Any]) -> dict[str, Any]:
    """Training data with a unique least-squares fit, as wide and long as ``body`` (within
    bounds), drawn from a seed that the body itself gives (the same body, the same data)."""
    X = body.get("X")
    first = X[0] if isinstance(X, list) and X and isinstance(X[0], list) else []
    columns = min(max(len(first), 1), MAX_COLUMNS)
    rows = min(max(len(X) if isinstance(X, list) else 0, 2 * columns + 4), 30)
    text = json.dumps(body, sort_keys=True, default=repr)
    seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
    return well_conditioned(seed, rows, columns, intercept=float(seed % 101 - 50)).body()


def with_columns(body: dict[str, Any], columns: int) -> dict[str, Any] | None:
    """``body`` with every row of X cut or padded (with 0.0) to ``columns`` values; None when
    X is not a list of lists of finite numbers (then it is sent as it is)."""
    X = body.get("X")
    if not isinstance(X, list) or not all(isinstance(row, list) for row in X):
        return None
    if not all(finite(v, 1e100) for row in X for v in row):
        return None
    rows = [([*row, *([0.0] * columns)])[:columns] for row in X] or [[0.0] * columns]
    if matrix_shape(rows) is None:
        return None
    return {**body, "X": rows}


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
