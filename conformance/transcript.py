"""Replay a documented case against a server and check what comes back."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance import expect
from conformance.cases import Call, Case, Png, Redirect


def send(
    client: httpx.Client, call: Call, path: str | None = None, **kwargs: Any
) -> httpx.Response:
    """Send one call as ``requests`` would (JSON body when given)."""
    if call.json is not expect.UNSET:
        kwargs["json"] = call.json
    return client.request(call.method, path or call.path, **kwargs)


def replay(client: httpx.Client, case: Case) -> None:
    """Run the case's set-up requests, then its request, and check the response."""
    after: list[str] = []
    state: dict[str, int] = {}
    for call in case.setup:
        response = send(client, call)
        expect.check(response, 200, after=after)
        after.append(f"{call} -> {response.status_code}")
        body = response.json()
        if isinstance(body, list):
            state = {"last": len(body) - 1, "past_end": max(99, len(body))}
    path = case.request.path.format(**state) if state else case.request.path
    if isinstance(case.body, Redirect):
        response = send(client, case.request, path, follow_redirects=False)
        check_redirect(response, case.body)
        return
    response = send(client, case.request, path)
    if isinstance(case.body, Png):
        check_png(response, after=after)
        return
    expect.check(response, case.status, case.body, after=after)


def check_redirect(response: httpx.Response, redirect: Redirect) -> None:
    """A redirect to ``redirect.location``: 307 under --strict-lecture, else any 3xx."""
    statuses = [redirect.status] if expect.is_strict() else [301, 302, 303, 307, 308]
    expect.check(response, statuses)
    location = response.headers.get("location")
    if location is None:
        raise expect.fail(
            response, expected=f"a location header {redirect.location!r}", where="$.headers"
        )
    target = urlsplit(str(response.request.url.join(location)))
    if target.path != redirect.location:
        raise expect.fail(
            response,
            expected=f"a redirect to {redirect.location}",
            got=f"{response.status_code} location: {location}",
            where=f"$.headers.location: redirects to {target.path!r}",
        )


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png(response: httpx.Response, *, after: list[str] | None = None) -> tuple[int, int]:
    """A 200 image/png response whose bytes decode as a PNG image; return its size."""
    expect.check(response, 200, after=after or ())
    ctype = response.headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "image/png":
        raise expect.fail(
            response,
            expected="content-type image/png",
            where=f"$.headers.content-type: got {ctype or '(none)'!r}",
        )
    if not response.content.startswith(PNG_SIGNATURE):
        raise expect.fail(
            response,
            expected="PNG bytes (starting with \\x89PNG)",
            where=f"$.body: starts with {response.content[:8]!r}",
        )
    from PIL import Image

    try:
        with Image.open(io.BytesIO(response.content)) as image:
            image.load()
            size = image.size
    except Exception as error:  # any decoding error is the student's to see
        raise expect.fail(
            response, expected="a PNG image that decodes", where=f"$.body: {error}"
        ) from None
    if size[0] < 1 or size[1] < 1:
        raise expect.fail(response, expected="a non-empty image", where=f"$.body: size {size}")
    return size
