"""Replay a documented case against a server and check what comes back."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import httpx

from conformance import expect
from conformance.cases import Call, Case, FromFit, Png, Redirect, Stored
from conformance.fitted import ServerModel
from conformance.matchers import AnyJson
from conformance.prerequisite import answered, appended, listed
from conformance.regression import Dataset

ANY_JSON = AnyJson()


def send(
    client: httpx.Client, call: Call, path: str | None = None, **kwargs: Any
) -> httpx.Response:
    """Send one call as ``requests`` would (JSON body when given)."""
    if call.json is not expect.UNSET:
        kwargs["json"] = call.json
    return client.request(call.method, path or call.path, **kwargs)


def replay(client: httpx.Client, case: Case, documented: Sequence[Case] = ()) -> None:
    """Run the case's set-up requests, then its request, and check its answer.

    Set-up requests are held only to what the case needs (an answer, with JSON): their own
    answers are judged by their own cases (see :mod:`conformance.prerequisite`). The items a
    set-up ``POST /items`` answers number the case's path; a set-up ``POST /fit`` answer is
    the fit a :class:`FromFit` body follows.
    """
    state: dict[str, int] = {}
    held: list[Any] = []
    model = ServerModel()
    for call in case.setup:
        response = send(client, call)
        if call.path.rstrip("/") == "/items" and call.method == "POST":
            body = listed(response)
            if "{" in case.request.path:  # the case reads the list: it must be the whole list
                body = appended(client, call.path, call.json)
            state = {"last": len(body) - 1, "past_end": max(99, len(body))}
            held = body
        elif call.path == "/fit":
            model.fitted(Dataset(call.json["X"], call.json["y"]), answered(response))
        elif call.path == "/reset":
            answered(response, json=False)
            model.reset()
        else:
            answered(response)
    path = case.request.path.format(**state) if state else case.request.path
    follow = not isinstance(case.body, Redirect)
    response = send(client, case.request, path, follow_redirects=follow)
    if isinstance(case.body, FromFit) and model.data is not None:
        if case.body.X is None:
            expect.check(response, case.status, model.coefs())
        else:
            model.check_predict(response, case.body.X)
        return
    if isinstance(case.body, FromFit):
        expect.check(response, case.status, case.body.lecture)
        return
    if isinstance(case.body, Stored):
        expect.check(response, case.status, held[state["last"]] if held else case.body.lecture)
        return
    check_answer(response, case)


def check_answer(response: httpx.Response, case: Case) -> Any:
    """Check ``response`` against what ``case`` shows; the JSON body, if it is one."""
    if isinstance(case.body, Redirect):
        check_redirect(response, case.body)
        return None
    if isinstance(case.body, Png):
        check_png(response)
        return None
    return expect.check(response, case.status, case.body)


def check_redirect(response: httpx.Response, redirect: Redirect) -> None:
    """A redirect to ``redirect.location``: 307 under --strict-lecture, else any 3xx."""
    """A redirect to ``redirect.location`` on this same server: 307 under --strict-lecture,
    else any redirect status. The Location is resolved against the request's URL, as a
    browser does: a relative ``/docs`` and an absolute URL of this server both count."""
    statuses = [redirect.status] if expect.is_strict(response) else [301, 302, 303, 307, 308]
    expect.assess(response, "shape", "values")
    expect.check(response, statuses)
    location = response.headers.get("location")
    if location is None:
        raise expect.fail(
            response, expected=f"a location header {redirect.location!r}", where="$.headers"
        )
    asked = response.request.url
    target = asked.join(location)
    expected = f"a redirect to {redirect.location} on this server ({asked.scheme}://{asked.netloc.decode()})"
    got = f"{response.status_code} location: {location}"
    if (target.scheme, target.host, target.port) != (asked.scheme, asked.host, asked.port):
        raise expect.fail(
            response,
            expected=expected,
            got=got,
            where=f"$.headers.location: leads to another server, {target.scheme}://"
            f"{target.netloc.decode()}",
        )
    if target.path != redirect.location:
        raise expect.fail(
            response,
            expected=expected,
            got=got,
            where=f"$.headers.location: redirects to {target.path!r}",
        )
    expect.verify(response, "shape", "values")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_media_type(response: httpx.Response, media: str, *, expected: str) -> None:
    """The response's content type is ``media`` (its parameters aside, such as a charset)."""
    ctype = response.headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != media:
        raise expect.fail(
            response,
            expected=expected,
            where=f"$.headers.content-type: expected {media!r}, got {ctype or '(none)'!r}",
        )


def check_png(response: httpx.Response) -> tuple[int, int]:
    """A 200 image/png response whose bytes decode as a PNG image; return its size."""
    expect.assess(response, "media")
    expect.check(response, 200)
    check_media_type(response, "image/png", expected="content-type image/png")
    if not response.content.startswith(PNG_SIGNATURE):
        raise expect.fail(
            response,
            expected="PNG bytes (starting with \\x89PNG)",
            where=f"$.body: starts with {response.content[:8]!r}, not PNG's signature",
            aspect="media",
        )
    from PIL import Image

    try:
        with Image.open(io.BytesIO(response.content)) as image:
            image.load()
            size = image.size
    except Exception as error:  # any decoding error is the student's to see
        raise expect.fail(
            response, expected="a PNG image that decodes", where=f"$.body: {error}", aspect="media"
        ) from None
    if size[0] < 1 or size[1] < 1:
        where = f"$.body: size {size}"
        raise expect.fail(response, expected="a non-empty image", where=where, aspect="media")
    return size
