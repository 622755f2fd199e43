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
import schemathesis
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance import expect

Check = Callable[..., Any]

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

# Headers schemathesis adds that mean nothing to a student's server.
_DROPPED_HEADERS = {"user-agent", "connection", "accept-encoding", "x-schemathesis-testcaseid"}


def config(*, coverage: bool, negative: bool) -> SchemathesisConfig:
    """A fixed configuration, so a ``schemathesis.toml`` in the student's folder changes nothing.

    ``coverage`` adds schemathesis' coverage phase (boundary values and missing or mistyped
    parameters, a fixed set per operation); ``negative`` also generates schema-invalid data.
    The number of fuzzed examples comes from the active hypothesis profile.
    """
    return SchemathesisConfig.from_dict(
        {
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": coverage},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "generation": {"mode": "all" if negative else "positive", "database": "none"},
        }
    )


def load(client: httpx.Client, settings: SchemathesisConfig) -> BaseSchema:
    """The server's own OpenAPI document, read through the suite's client."""
    response = client.get("/openapi.json")
    expect.check(response, 200)
    document = expect.response_json(response, "200 with the server's OpenAPI document")
    if not isinstance(document, dict) or "paths" not in document:
        raise expect.fail(
            response, expected="an OpenAPI document (an object with 'paths')", where="$.paths"
        )
    return schemathesis.openapi.from_dict(document, config=settings)


def send(client: httpx.Client, case: Case) -> httpx.Response:
    """Send a generated case through the suite's client (it follows redirects, like requests)."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"))
    headers = {
        name: value
        for name, value in (kwargs.get("headers") or {}).items()
        if name.lower() not in _DROPPED_HEADERS
    }
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


def call_and_check(client: httpx.Client, case: Case, checks: Sequence[Check]) -> httpx.Response:
    """Send ``case`` and run ``checks`` on the answer; a failed check is a LectureMismatch."""
    response = send(client, case)
    try:
        case.validate_response(response, checks=list(checks))
    except FailureGroup as group:
        raise mismatch(response, list(group.exceptions)) from None
    except Failure as failure:
        raise mismatch(response, [failure]) from None
    return response


def mismatch(response: httpx.Response, failures: list[Failure]) -> expect.LectureMismatch:
    """The first failure, in the student-facing format."""
    failure = sorted(failures)[0]
    message = " ".join(failure.message.split())
    return expect.fail(
        response,
        expected=f"what the server's own /openapi.json declares for {failure.operation}",
        where=f"{failure.title} [{failure.code}]: {expect.shorten(message, 400)}",
    )
