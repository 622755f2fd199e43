"""An exercise's picture for the pages (ex2's /plot): the student's and the reference app's.

The registry says which exercise draws a picture (``Exercise.picture``: the requests that set
up the state it draws, and its path). After the suite has run, and before the student's server
is stopped, ``capture`` sends those requests once more and keeps the image (base64, capped in
bytes, and in pixels by its headers) in the report's ``extra_data``. The score never depends on
it: the suite's own tests grade the endpoint. ``reference_png`` asks the reference app, in this
process, for the picture of the same state.
"""

from __future__ import annotations

import base64
import threading
from functools import cache
from typing import Any

import httpx

from conformance import registry
from conformance.grader.pages import imagecheck, untrusted
from conformance.inprocess import InProcessTransport
from conformance.registry import Picture
from conformance.transcript import send
from conformance.transport import make_client

MAX_IMAGE_BYTES = 1_000_000
"""A larger picture is not kept (a report must stay small)."""

EXTRA_KEY = "plot"
"""Where the capture is kept in a Gradescope report's ``extra_data``."""


def picture_of(exercise: str) -> Picture | None:
    try:
        return registry.get(exercise).picture
    except LookupError:
        return None


def for_report(exercise: str, base_url: str, timeout: float) -> dict[str, Any] | None:
    """The capture to keep in ``exercise``'s report, or None when it draws no picture."""
    picture = picture_of(exercise)
    if picture is None:
        return None
    try:
        return capture(base_url, timeout, picture)
    except Exception as error:  # the picture is never worth the student's grade
        reason = untrusted.line(f"{type(error).__name__}: {error}", 200)
        return {"problem": f"the picture could not be captured: {reason}", "label": "no picture"}


def capture(base_url: str, timeout: float, picture: Picture) -> dict[str, Any]:
    """Set up the state, fetch the picture: ``{"image_base64"?, "problem"?, "label"?}``.

    ``problem`` says what went wrong, ``label`` in a few words (for a gallery tile). The image
    is kept only when its headers show a bounded size (:mod:`imagecheck`); a JPEG or GIF is
    kept, and marked as not a PNG."""
    record: dict[str, Any] = {}
    try:
        # the suite's own client: every read bounded in time and bytes, same origin only
        with make_client(base_url, timeout) as client:
            for call in picture.setup:
                answer = send(client, call)
                if not answer.is_success:
                    record["problem"] = f"{call} answered {answer.status_code}, so no picture"
                    record["label"] = f"no picture: {call} answered {answer.status_code}"
                    return record
            response = client.get(picture.path)
            content = response.content if len(response.content) <= MAX_IMAGE_BYTES else None
    except httpx.HTTPError as error:
        reason = untrusted.line(f"{type(error).__name__}: {error}", 200)
        record["problem"] = f"the server did not answer: {reason}"
        record["label"] = "no answer"
        return record
    ctype = untrusted.line(response.headers.get("content-type", "(none)"), 100)
    shown = f"GET {picture.path}"
    kind = None if content is None else media_type(content)
    if content is None:
        record["problem"] = f"{shown} sent more than {MAX_IMAGE_BYTES} bytes"
        record["label"] = "too many bytes"
    elif response.status_code != 200:
        record["problem"] = f"{shown} answered {response.status_code} ({ctype})"
        record["label"] = f"answered {response.status_code}"
    elif kind is None:
        record["problem"] = f"{shown} sent no image (content-type {ctype})"
        record["label"] = "not an image"
    elif problem := imagecheck.problem(content):
        record["problem"] = f"{shown} sent an image that is not shown: {problem}"
        record["label"] = "image not shown"
    else:
        record["image_base64"] = base64.b64encode(content).decode("ascii")
        if kind != "image/png":
            name = kind.removeprefix("image/").upper()
            record["problem"] = f"{shown} sent {kind}, not a PNG ({ctype})"
            record["label"] = f"{name}, not PNG"
        elif ctype.split(";")[0].strip().lower() != "image/png":
            record["problem"] = f"{shown} sent a PNG labelled {ctype}, not image/png"
            record["label"] = untrusted.line(f"PNG labelled {ctype}", 40)
    return record


def media_type(content: bytes) -> str | None:
    """The image type the bytes start with (PNG, JPEG or GIF), else None."""
    return imagecheck.media_type(content)


_REFERENCE_LOCK = threading.Lock()
"""One drawing of a reference picture at a time; a second caller waits and reuses it."""


def reference_png(exercise: str) -> bytes | None:
    """The reference app's picture of the same state (None when the exercise has none)."""
    with _REFERENCE_LOCK:
        return _reference_png(exercise)


@cache
def _reference_png(exercise: str) -> bytes | None:
    picture = picture_of(exercise)
    if picture is None:
        return None
    transport = InProcessTransport(registry.get(exercise).create_app())
    try:
        with httpx.Client(transport=transport, base_url="http://reference") as client:
            for call in picture.setup:
                send(client, call)
            response = client.get(picture.path)
    finally:
        transport.close()
    return response.content if response.status_code == 200 else None
