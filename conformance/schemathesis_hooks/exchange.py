"""One request schemathesis sent and the answer it got, in the shapes the suite reads.

The request is taken from what went over the wire (the prepared request of the response):
the same URL, query string and body bytes go to the oracle, so the oracle answers exactly the
request the server answered. :class:`Exchange` also reads it as the input domain does
(:class:`conformance.domain.Request`: the route's template and the parsed inputs).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from schemathesis import Case, Response

from conformance.domain import Request
from conformance.expect import UNSET
from conformance.schemathesis_hooks.entries import lecture_routes

_DECODED = {"content-encoding", "content-length", "transfer-encoding"}

NOT_JSON: Any = object()
"""The body of a request that is not a JSON document (form data, bytes that are not UTF-8...)."""


@dataclass(frozen=True)
class Exchange:
    """One request and its answer: ``request`` and ``response`` as httpx objects."""

    label: str
    """The operation as the domain names it: the method sent and the route's template."""
    operation: str
    """The operation schemathesis generated the request for ("POST /items")."""
    request: httpx.Request
    response: httpx.Response
    domain: Request
    body: Any
    """The request's JSON body, UNSET without a body, NOT_JSON when it is no JSON document."""

    @property
    def target(self) -> str:
        """The path and query string, as sent."""
        url = self.request.url
        query = url.query.decode("ascii", "replace")
        return url.raw_path.decode("ascii", "replace").split("?")[0] + (
            f"?{query}" if query else ""
        )

    @property
    def content_type(self) -> str | None:
        found: str | None = self.request.headers.get("content-type")
        return found


def lecture_route(
    exercise: str, template: str, params: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    """The lecture's route for a server's ``template`` and its path parameters under the
    lecture's names: ``/user/{id}`` is the lecture's ``/user/{user_id}`` with another name."""
    texts = {k: _text(v) for k, v in params.items()}
    shape = _shape(template)
    for label in lecture_routes(exercise):
        lecture = label.split(" ", 1)[1]
        if lecture != template and _shape(lecture) == shape:
            ours, theirs = _names(lecture), _names(template)
            return lecture, {o: texts.get(t, "") for o, t in zip(ours, theirs, strict=True)}
    return template, texts


def _shape(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", template.rstrip("/") or "/")


def _names(template: str) -> list[str]:
    return re.findall(r"\{([^}]*)\}", template)


def read(case: Case[Any], response: Response, exercise: str) -> Exchange:
    """The exchange schemathesis recorded for ``case``."""
    prepared = response.request
    url = str(prepared.url or "")
    raw: Any = prepared.body
    content: bytes = raw.encode() if isinstance(raw, str) else bytes(raw or b"")
    headers = {k: v for k, v in prepared.headers.items() if isinstance(v, str)}
    request = httpx.Request(
        str(prepared.method or case.method), url, headers=headers, content=content
    )
    answer = httpx.Response(
        response.status_code,
        headers=[
            (name, value)
            for name, values in response.headers.items()
            if name.lower() not in _DECODED  # the body is already decoded
            for value in values
        ],
        content=response.content,
        request=request,
    )
    body = _json_body(content, request.headers.get("content-type"))
    method = request.method.upper()
    template, path_params = lecture_route(
        exercise, case.operation.path, dict(case.path_parameters or {})
    )
    request_ = Request(
        method=method,
        template=template,
        path_params=path_params,
        query=dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)),  # last value wins
        body=body,
    )
    return Exchange(f"{method} {template}", case.operation.label, request, answer, request_, body)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_body(content: bytes, content_type: str | None) -> Any:
    if not content:
        return UNSET
    if content_type is not None and "json" not in content_type.lower():
        return NOT_JSON
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return NOT_JSON
