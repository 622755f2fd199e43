"""Schemathesis inside the suite: tests generated from the server's own /openapi.json.

The schema is read through the suite's ``client`` (so a live server and an in-process ``--app``
look the same), every generated request is sent through that client too, and the responses
are judged by schemathesis' checks. A failed check is re-raised as a
:class:`~conformance.expect.LectureMismatch`, so it reads like every other failure: the request,
what the server's own OpenAPI promises, what came back, and a curl line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response as CheckedResponse
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance import expect, openapi, profiles, rules
from conformance.failure import shorten
from conformance.schema_domain import in_domain

Check = Callable[..., Any]
SchemaOperation = APIOperation[Any, Any, Any, Any]
GeneratedCase = Case[Any]

NO_SERVER_ERROR: tuple[Check, ...] = (not_a_server_error,)
"""A server never answers 5xx, whatever it is sent."""

TRUTHFUL_OPENAPI: tuple[Check, ...] = (
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)
"""Every status, content type and JSON body is one the server's own OpenAPI declares."""

DECLARED_BODIES: tuple[Check, ...] = (response_schema_conformance,)
"""A JSON body sent with a declared status matches the schema declared for it."""

CLOSE = {"connection": "close"}
"""Headers for a request that may crash the server: its connection is not reused afterwards.

Uvicorn closes the connection after a 500 raised by the app; a keep-alive client that sends
its next request on it before seeing the close gets "connection reset", which would show up
as a failure of the next, innocent request."""

# Headers schemathesis adds that mean nothing to a student's server.
_DROPPED_HEADERS = {"user-agent", "connection", "accept-encoding", "x-schemathesis-testcaseid"}


def load(client: httpx.Client) -> BaseSchema:
    """The server's own OpenAPI document, read through the suite's client.

    The configuration is fixed, so a ``schemathesis.toml`` in the student's folder changes
    nothing here (it is for the ``schemathesis run`` command line).
    """
    document = openapi.fetch(client).spec
    return schemathesis.openapi.from_dict(document, config=SchemathesisConfig())


def operation(schema: BaseSchema, label: str) -> SchemaOperation:
    """The operation ``label`` ("POST /items"); a trailing slash on the path is tolerated."""
    method, path = label.split(" ", 1)
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            continue
        found = result.ok()
        if found.method.upper() == method and found.path.rstrip("/") == path.rstrip("/"):
            return found
    raise expect.fail(
        None,
        expected=f"/openapi.json to declare {label}",
        got="no such operation",
        where=f"$.paths[{path!r}].{method.lower()}",
    )


def cases(operation: SchemaOperation, *, negative: bool) -> st.SearchStrategy[GeneratedCase]:
    """Requests for ``operation``: valid by its schema, or (``negative``) valid and invalid."""
    valid = operation.as_strategy(GenerationMode.POSITIVE)
    if not negative:
        return valid
    return st.one_of(valid, operation.as_strategy(GenerationMode.NEGATIVE))


def send(client: httpx.Client, case: GeneratedCase) -> httpx.Response:
    """Send a generated case through the suite's client (it follows redirects, like requests)."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"))
    headers = {
        name: value
        for name, value in (kwargs.get("headers") or {}).items()
        if name.lower() not in _DROPPED_HEADERS
    } | CLOSE
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), str | bytes):
        body["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        body["data"] = kwargs["data"]
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params") or None,
        headers=headers,
        **body,
    )


def call_and_check(
    client: httpx.Client, case: GeneratedCase, checks: Sequence[Check]
) -> httpx.Response:
    """Send ``case`` and run ``checks`` on the answer; a failed check is a LectureMismatch."""
    response = send(client, case)
    expect.judged(response)
    try:
        case.validate_response(_as_checked(response), checks=list(checks))
    except FailureGroup as group:
        raise mismatch(response, list(group.exceptions)) from None
    except Failure as failure:
        raise mismatch(response, [failure]) from None
    return response


def _as_checked(response: httpx.Response) -> CheckedResponse:
    """The response as schemathesis' checks take it (the suite's client does not time it)."""
    request = requests.Request(
        method=response.request.method,
        url=str(response.request.url),
        headers=dict(response.request.headers),
        data=response.request.content,
    ).prepare()
    return CheckedResponse(
        status_code=response.status_code,
        headers={key: response.headers.get_list(key) for key in response.headers},
        content=response.content,
        request=request,
        elapsed=0.0,
        verify=True,
        message=response.reason_phrase,
        encoding=response.encoding,
        http_version=response.http_version.removeprefix("HTTP/"),
    )


def mismatch(response: httpx.Response, failures: list[Failure]) -> expect.LectureMismatch:
    """The first failure, in the student-facing format."""
    failure = min(failures, key=lambda f: f.code)  # ST1xx (what came back) before the rest
    message = " ".join(failure.message.split())
    # A server error breaks the operation's own rule; any other difference is one between the
    # answer and what the server declares: a rule of its OpenAPI document.
    crashed = response.status_code >= 500
    return expect.fail(
        response,
        expected=f"what the server's own /openapi.json declares for {failure.operation}",
        where=f"{failure.title} [{failure.code}]: {shorten(message, 400)}",
        aspect="status" if crashed else rules.DECLARATION,
    )


def check_every_case(
    client: httpx.Client,
    label: str,
    checks: Sequence[Check],
    *,
    negative: bool,
    share: float = 0.5,
) -> None:
    """Generate requests for the operation ``label`` and run ``checks`` on every answer.

    How many requests: ``share`` of the hypothesis profile's examples; a failure is shrunk to the
    simplest request that still fails, and shown in the student-facing format.
    """
    schema = load(client)
    strategy = cases(operation(schema, label), negative=negative)
    # The default tier judges only requests on which the lecture's code answers the one right
    # answer (conformance.domain); the robust tier (negative) judges every request.
    keep = None
    if not negative:
        strategy, keep = in_domain(client, schema, label, strategy)

    @profiles.suite_settings(share=share)
    @given(case=strategy)
    def each_case(case: GeneratedCase) -> None:
        if keep is not None:
            keep(case)
        call_and_check(client, case, checks)

    each_case()
