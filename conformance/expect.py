"""Response checks that fail with a message a student can act on.

Every check in the suite goes through this module, so every failure shows the request,
what the lecture expects, what came back, where they differ and a curl line to reproduce.
"""

from __future__ import annotations

import contextvars
import json
import marshal
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx

from conformance import hints, rules
from conformance.failure import Failure, Sent, shorten
from conformance.failure import LectureMismatch as LectureMismatch
from conformance.matchers import EndsWith, ErrorItem
from conformance.rules import Rule
from conformance.transport import context_of

UNSET: Any = object()
"""Marks an expectation that is not checked (a body that may be anything)."""


def is_strict(response: httpx.Response | None) -> bool:
    """Whether the run compares to the letter (``--strict-lecture``): the client that got
    ``response`` carries the run's settings."""
    return context_of(response).strict if response is not None else False


def judged(response: httpx.Response) -> None:
    """Record that a check looked at ``response`` (every check does, first thing)."""
    context_of(response).judged = True


def _rules_for(response: httpx.Response, aspects: Sequence[str], refused: bool) -> set[str]:
    forced = _JUDGING.get()
    if forced is not None:
        return {forced.id}
    request = _request_of(response)
    operation = rules.operation_of(request.method, request.url.path) if request else None
    if operation is None:
        return set()
    return {rules.charged(operation, a).id for a in (("refusal",) if refused else aspects)}


def assess(response: httpx.Response, *aspects: str, refused: bool = False) -> None:
    """Record the rules a check of ``response`` judges: these aspects of the operation its
    request went to (or the rule being judged, see :func:`judging`). ``refused``: the check
    expects a refusal, which judges the ``refusal`` aspect whatever else it looks at. A rule
    judged and never verified (:func:`verify`) does not hold."""
    context_of(response).assessed.update(_rules_for(response, aspects, refused))


def verify(response: httpx.Response, *aspects: str, refused: bool = False) -> None:
    """Record the rules a check of ``response`` found to hold (see :func:`assess`)."""
    context_of(response).verified.update(_rules_for(response, aspects, refused))


_JUDGING: contextvars.ContextVar[Rule | None] = contextvars.ContextVar("judging", default=None)


@contextmanager
def judging(operation: str, aspect: str) -> Iterator[None]:
    """Checks inside judge this rule, whichever request they look at: a ``/coefs`` that still
    answers the old fit after ``/reset`` breaks ``GET /reset: values``, not a rule of /coefs."""
    token = _JUDGING.set(rules.charged(operation, aspect))
    try:
        yield
    finally:
        _JUDGING.reset(token)


def aspect_of(where: str, refused: bool = False) -> str:
    """Which aspect of an answer a difference at ``where`` is in (see :mod:`conformance.rules`);
    ``refused``: the lecture refuses the request (an expected 4xx)."""
    if refused:
        return "refusal"
    if where.startswith("$.status"):
        return "status"
    if where.startswith(("$.headers.content-type", "$ (not JSON)")):
        return "media"
    if where.startswith("$.headers.location"):
        return "values"
    what = where.partition(": ")[2]
    if any(sign in what for sign in SHAPE_SIGNS):
        return "shape"
    types = re.search(rf"expected ({_TYPES})\b.*?, got ({_TYPES})\b", what)
    if types and types.group(1) != types.group(2):
        return "shape"
    return "values"


SHAPE_SIGNS = (
    "missing key",
    "unexpected key",
    "expected an object",
    "expected an array",
    " items, got ",
    "expected at least",
    "expected a number close to",
)
_TYPES = "null|boolean|integer|number|string|array|object"


def rule_of(
    request: httpx.Request | None, where: str, aspect: str | None, refused: bool
) -> Rule | None:
    """The rule a difference breaks: the one being judged (:func:`judging`), else the aspect
    of the operation the request went to; None for a check of a declaration."""
    if aspect == rules.DECLARATION:
        return None
    forced = _JUDGING.get()
    if forced is not None:
        return forced
    operation = rules.operation_of(request.method, request.url.path) if request else None
    if operation is None:
        return None
    return rules.charged(operation, aspect or aspect_of(where, refused))


def mismatch(
    response: httpx.Response | None,
    *,
    expected: str,
    got: str,
    where: str,
    request: httpx.Request | None = None,
    aspect: str | None = None,
    refused: bool = False,
) -> LectureMismatch:
    """The failure for ``response``: its request, the requests sent before it in this test,
    the rule it breaks (``aspect``: which aspect of the answer differs, when ``where`` does
    not say; ``refused``: the lecture refuses this request), its kind and a hint."""
    if response is not None:
        judged(response)
    if request is None and response is not None:
        request = _request_of(response)
    context = context_of(response) if response is not None else None
    history = context.history if context is not None else ()
    prelude = context.prelude.requests() if context is not None else ()
    rule = rule_of(request, where, aspect, refused)
    if rule is not None and response is not None:
        context_of(response).assessed.add(rule.id)
    seen = rule.aspect if rule is not None else aspect or aspect_of(where, refused)
    body = response.content[:16] if response is not None and _is_read(response) else b""
    failure = Failure(
        expected=expected,
        got=got,
        where=where,
        request=Sent.of(request) if request is not None else None,
        history=history,
        prelude=prelude,
        rule=rule.id if rule is not None else None,
        kind=hints.kind(where),
        hint=hints.hint(seen, where, got, expected, body=body),
    )
    return LectureMismatch(failure)


def _is_read(response: httpx.Response) -> bool:
    try:
        response.content  # noqa: B018 - a streamed body that was never read raises
    except httpx.ResponseNotRead:
        return False
    return True


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:
        return None


_MATCHER = "\u0001"


def to_json(value: Any) -> str:
    """Compact JSON as the lecture's server would send it; matchers show as their repr,
    unquoted (``≈2.0``, ``(any JSON)``)."""
    text = json.dumps(
        value,
        ensure_ascii=False,
        default=lambda v: f"{_MATCHER}{v!r}{_MATCHER}",
        separators=(", ", ": "),
    )
    marker = json.dumps(_MATCHER)[1:-1]
    return re.sub(f'"{re.escape(marker)}(.*?){re.escape(marker)}"', r"\1", text)


def describe_response(response: httpx.Response) -> str:
    ctype = response.headers.get("content-type", "")
    if "json" in ctype or not ctype:
        text = response.text if response.content else "(empty body)"
        return f"{response.status_code} {shorten(text)}"
    return f"{response.status_code} {ctype} ({len(response.content)} bytes)"


# --- comparing JSON ---------------------------------------------------------------------


JSON_TYPES = (
    (bool, "boolean"),  # before int: a bool is an int in Python, never in JSON
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def json_type(value: Any) -> str:
    """The JSON type a student reads in a message: null, boolean, integer, number..."""
    if value is None:
        return "null"
    return next(
        (name for kind, name in JSON_TYPES if isinstance(value, kind)), type(value).__name__
    )


def difference(
    expected: Any, actual: Any, where: str = "$", *, strict: bool = False
) -> tuple[str, str] | None:
    """The first place where ``actual`` differs from ``expected``: (where, what), or None.

    ``strict``: 422 error items may not carry keys the lecture does not print (url, ctx)."""
    if same_json(expected, actual):
        return None
    return _difference(expected, actual, where, strict)


def same_json(expected: Any, actual: Any) -> bool:
    """Whether two plain JSON values are equal and of the same JSON types all the way down
    (2 is not 2.0, true is not 1): a quick answer for the common case, an oracle's whole items
    list against the server's. Equal values whose marshalled bytes are equal are the same;
    matchers and subclasses (which marshal refuses) and anything else go to the walk of
    :func:`difference`, which says where they differ. NaN is never equal to NaN there, nor here
    (``==`` first)."""
    if expected != actual:
        return False
    try:
        return marshal.dumps(expected, 2) == marshal.dumps(actual, 2)
    except ValueError:
        return False


def _difference(expected: Any, actual: Any, where: str, strict: bool) -> tuple[str, str] | None:
    mismatch = getattr(expected, "mismatch", None)
    if callable(mismatch):
        problem = mismatch(actual)
        return (where, problem) if problem else None
    if isinstance(expected, EndsWith):
        return _tail_difference(expected, actual, where, strict)
    if isinstance(expected, dict):
        return _dict_difference(expected, actual, where, strict)
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return where, f"expected an array, got {json_type(actual)} {to_json(actual)}"
        if len(actual) != len(expected):
            return where, f"expected {len(expected)} items, got {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = _difference(e, a, f"{where}[{i}]", strict)
            if found:
                return found
        return None
    if type(actual) is not type(expected) or actual != expected:
        # Two different strings that print alike (an invisible or look-alike character) are
        # shown with escapes, so the student sees where they differ.
        alike = isinstance(expected, str) and to_json(expected) == to_json(actual)
        show: Callable[[Any], str] = json.dumps if alike else to_json
        return where, (
            f"expected {_typed(expected, show(expected))}, "
            f"got {_typed(actual, shorten(show(actual), 120))}"
        )
    return None


def _typed(value: Any, shown: str) -> str:
    """A value with its JSON type before it (``integer 2``); null is its own type."""
    return "null" if value is None else f"{json_type(value)} {shown}"


def _dict_difference(
    expected: dict[str, Any], actual: Any, where: str, strict: bool
) -> tuple[str, str] | None:
    if not isinstance(actual, dict):
        return where, f"expected an object, got {json_type(actual)} {shorten(to_json(actual))}"
    for key in expected:
        if key not in actual:
            return f"{where}.{key}", f"missing key {key!r} (got keys {sorted(actual)})"
    partial = isinstance(expected, ErrorItem) and not strict
    extra = sorted(set(actual) - set(expected))
    if extra and not partial:
        return where, f"unexpected key {extra[0]!r}: expected exactly the keys {list(expected)}"
    for key, value in expected.items():
        found = _difference(value, actual[key], f"{where}.{key}", strict)
        if found:
            return found
    return None


def _tail_difference(
    expected: EndsWith, actual: Any, where: str, strict: bool
) -> tuple[str, str] | None:
    if not isinstance(actual, list):
        return where, f"expected an array, got {json_type(actual)} {shorten(to_json(actual))}"
    if len(actual) < len(expected.tail):
        return where, f"expected at least {len(expected.tail)} items, got {len(actual)}"
    start = len(actual) - len(expected.tail)
    for offset, item in enumerate(expected.tail):
        found = difference(
            item, actual[start + offset], f"{where}[{start + offset}]", strict=strict
        )
        if found:
            return found
    return None


# --- checks ------------------------------------------------------------------------------


def response_json(
    response: httpx.Response,
    expected: str | Callable[[], str] = "a JSON body",
    *,
    refused: bool = False,
) -> Any:
    """The response's JSON, or a mismatch that says it was not JSON (``expected`` may be a
    function that writes what was expected, called only then)."""
    judged(response)
    try:
        return response.json()
    except ValueError:
        shown = expected if isinstance(expected, str) else expected()
        raise fail(response, expected=shown, where="$ (not JSON)", refused=refused) from None


def check(response: httpx.Response, status: int | Sequence[int], body: Any = UNSET) -> Any:
    """Check the status and, if given, the JSON body; return the parsed body (or None)."""
    judged(response)
    statuses = [status] if isinstance(status, int) else list(status)
    shown = " or ".join(str(s) for s in statuses)

    def expectation() -> str:  # written only for a failure: a long expected list is slow
        return shown if body is UNSET else f"{shown} {shorten(to_json(body))}"

    refused = min(statuses) >= 400
    judges = ("shape",) if body is UNSET else ("shape", "values")
    assess(response, *judges, refused=refused)
    if response.status_code not in statuses:
        if not refused and body is not UNSET:
            verify_values(response, body)
        where = f"$.status: expected {shown}, got {response.status_code}"
        raise fail(response, expected=expectation(), where=where, refused=refused)
    if body is UNSET:
        verify(response, *judges, refused=refused)
        return None
    actual = response_json(response, expectation, refused=refused)
    found = difference(body, actual, strict=is_strict(response))
    if found:
        where, what = found
        if not refused:
            if aspect_of(f"{where}: {what}") == "values":
                verify(response, "shape")
            else:
                verify_values(response, body)
        raise fail(response, expected=expectation(), where=f"{where}: {what}", refused=refused)
    verify(response, *judges, refused=refused)
    return actual


def verify_values(response: httpx.Response, body: Any) -> None:
    """Where an answer's status or shape differs (2.0 for 2, a 201), whether its values are
    still the lecture's (numbers compared as numbers): if so, its values rule holds."""
    try:
        actual = response.json()
    except ValueError:
        return
    if difference(loosened(body), loosened(actual)) is None:
        verify(response, "values")


def loosened(value: Any) -> Any:
    """``value`` with every plain number a float (matchers are kept, lists and objects are
    walked): a comparison of values alone, whatever their JSON types."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, EndsWith):
        return EndsWith(tuple(loosened(v) for v in value.tail))
    if type(value) is list:
        return [loosened(v) for v in value]
    if type(value) is dict:
        return {k: loosened(v) for k, v in value.items()}
    return value


def matches(response: httpx.Response, status: int, body: Any) -> bool:
    """Whether ``response`` is ``status`` with ``body`` (no failure, nothing recorded): for an
    answer that may follow either of two rules, once the first has found it different."""
    if response.status_code != status:
        return False
    try:
        actual = response.json()
    except ValueError:
        return False
    return difference(body, actual, strict=is_strict(response)) is None


def fail(
    response: httpx.Response | None,
    *,
    expected: str,
    where: str,
    got: str | None = None,
    aspect: str | None = None,
    refused: bool = False,
) -> LectureMismatch:
    """A mismatch for a check that is not a plain body comparison (raise what this returns)."""
    return mismatch(
        response,
        expected=expected,
        got=got if got is not None else (describe_response(response) if response else "-"),
        where=where,
        aspect=aspect,
        refused=refused,
    )


def check_error(
    response: httpx.Response, loc: list[Any], type: str | None = None, status: int = 422
) -> dict[str, Any]:
    """A validation error whose ``detail`` names ``loc`` (and, if given, its ``type``)."""
    check(response, status)
    body = response_json(
        response, f"{status} with a detail item at loc {to_json(loc)}", refused=True
    )
    detail = body.get("detail") if isinstance(body, dict) else None
    expected = f"{status} with a detail item {{loc: {to_json(loc)}" + (
        f", type: {type}}}" if type else "}"
    )
    if not isinstance(detail, list):
        raise fail(
            response, expected=expected, where="$.detail: not a list of errors", refused=True
        )
    for i, item in enumerate(detail):
        if isinstance(item, dict) and item.get("loc") == loc:
            if type is not None and item.get("type") != type:
                raise fail(
                    response,
                    expected=expected,
                    where=f"$.detail[{i}].type: expected {type!r}, got {item.get('type')!r}",
                    refused=True,
                )
            return item
    locs = [item.get("loc") if isinstance(item, dict) else item for item in detail]
    raise fail(
        response,
        expected=expected,
        where=f"$.detail: no item at {loc}, got locs {locs}",
        refused=True,
    )


REFUSAL = "a 4xx refusal with a JSON 'detail' (not a crash)"
"""What a robust server answers to a request the lecture's code cannot answer."""


def refusal_problem(response: httpx.Response) -> str | None:
    """Where ``response`` is not a :data:`REFUSAL` (its status, or its body), or None."""
    if not 400 <= response.status_code < 500:
        return f"$.status: expected 4xx, got {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return "$ (not JSON)"
    if not isinstance(body, dict) or "detail" not in body:
        return "$.detail: missing"
    return None


def check_refused(response: httpx.Response) -> None:
    """A 4xx whose JSON body has a ``detail``, as FastAPI's own errors (and its OpenAPI
    ``HTTPValidationError``) have: how the robust tier wants a bad request refused."""
    judged(response)
    assess(response, refused=True)
    where = refusal_problem(response)
    if where is not None:
        raise fail(response, expected=REFUSAL, where=where, refused=True)
    verify(response, refused=True)
