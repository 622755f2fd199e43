"""The oracle: what the lecture's code answers to a sequence of requests, and the rules that
say whether a server's answer is the same answer.

An :class:`Oracle` is a fresh reference app (``reference_app.<exercise>.create_app()``) called
in this process, one per sequence of requests. On every request of the input domain
(:mod:`conformance.domain`) the reference app answers exactly as the lecture's code does, so a
server under test is sent the same sequence and each of its answers is compared with the
oracle's by :func:`differences`:

* the status is the same (a redirect: any 3xx, 307 under ``--strict-lecture``);
* the content type is the same (``application/json``, ``image/png``...);
* JSON bodies are equal, types included (3 is not 3.0), except that numbers a fit computes
  are compared within the fit tolerance (:class:`~conformance.matchers.Close`, 1e-6 relative
  or 1e-9 absolute; a prediction within a slack that grows with its row of X), and 422
  ``detail`` items may carry extra keys such as ``url`` and ``ctx`` (not under
  ``--strict-lecture``);
* a redirect's ``location``, resolved against the request's URL, is on this same server
  (scheme, host and port) and has the oracle's path;
* images are never compared pixel by pixel with the reference (other sizes and styles are
  fine): they must be a valid PNG, and :class:`Images` applies the metamorphic rules (the
  same model gives the same image, a different fit a different one).

A difference is a :class:`Mismatch`, which :meth:`Mismatch.error` turns into the suite's
student-facing :class:`~conformance.expect.LectureMismatch`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Literal, TypedDict, Unpack
from urllib.parse import urlsplit

import httpx

from conformance import expect, registry
from conformance.failure import shorten
from conformance.matchers import Close, ErrorItem, close_numbers, is_number
from conformance.transcript import PNG_SIGNATURE

ORACLE_URL = "http://oracle"
"""The base URL of the oracle's in-process app (never on the network)."""

REDIRECTS = (301, 302, 303, 307, 308)

Numbers = Literal["exact", "fit", "prediction"]
"""How the numbers of a JSON body are compared: ``exact`` (echoed values: 9.99 is 9.99),
``fit`` (computed by a least-squares fit: within 1e-6 relative or 1e-9 absolute) or
``prediction`` (``y_hat[i]`` within a slack that grows with row i of the X sent)."""


class Oracle:
    """A fresh in-process reference app for ``exercise``: the lecture's answers, request by
    request. Use as a context manager, or call :meth:`close`."""

    def __init__(self, exercise: str, *, timeout: float = 30.0) -> None:
        self.exercise = exercise
        self.timeout = timeout
        self._transport: Any = None
        self._client: httpx.Client | None = None
        self.reset()

    def reset(self) -> None:
        """Start again from a fresh app: no items, no fitted model."""
        from conformance.inprocess import InProcessTransport

        self.close()
        app = registry.get(self.exercise).create_app()
        self._transport = InProcessTransport(app, self.timeout)
        self._client = httpx.Client(
            base_url=ORACLE_URL,
            transport=self._transport,
            timeout=self.timeout,
            follow_redirects=True,  # as ``requests`` and the suite's client do
        )

    def send(self, method: str, path: str, **parts: Unpack[Parts]) -> httpx.Response:
        """What the lecture's code answers to this request, given the earlier ones."""
        if self._client is None:
            raise RuntimeError("the oracle is closed")
        return self._client.request(method, path, **request_arguments(**parts))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> Oracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Parts(TypedDict, total=False):
    """The parts of a request besides its method and path: ``params``, a body (``content``
    as it is, else ``json`` as JSON), ``headers``, and whether redirects are followed
    (default: yes, as ``requests`` and the suite's client do)."""

    params: Mapping[str, Any] | None
    json: Any
    content: bytes | str | None
    headers: Mapping[str, str] | None
    follow_redirects: bool


def request_arguments(**parts: Unpack[Parts]) -> dict[str, Any]:
    """The keyword arguments of ``httpx.Client.request`` for these parts of a request: the
    body is ``content`` as it is when given, else ``json`` as JSON when given, else none;
    redirects followed unless ``follow_redirects`` is false."""
    params = parts.get("params")
    arguments: dict[str, Any] = {"params": dict(params) if params else None}
    content = parts.get("content")
    if content is not None:
        arguments["content"] = content
    elif parts.get("json", expect.UNSET) is not expect.UNSET:
        arguments["json"] = parts["json"]
    if parts.get("headers"):
        arguments["headers"] = dict(parts["headers"] or {})
    arguments["follow_redirects"] = parts.get("follow_redirects", True)
    return arguments


@dataclass(frozen=True)
class Mismatch:
    """How a server's answer differs from the oracle's."""

    expected: str
    got: str
    where: str
    why: str = "what the lecture's code answers"
    """Where the expectation comes from, shown after it."""
    aspect: str | None = None
    """Which aspect of the answer differs (see :mod:`conformance.rules`), when ``where`` does
    not say it."""
    refused: bool = False
    """The lecture refuses this request (its answer is a 4xx)."""

    def error(self, response: httpx.Response | None) -> expect.LectureMismatch:
        """The student-facing failure for ``response`` (raise what this returns); the requests
        sent before it come from the transport's history."""
        return expect.mismatch(
            response,
            expected=f"{self.expected}  ({self.why})",
            got=self.got,
            where=self.where,
            aspect=self.aspect,
            refused=self.refused,
        )


def media_type(response: httpx.Response) -> str:
    """The content type without parameters, lower case ('' when there is none)."""
    ctype: str = response.headers.get("content-type", "")
    return ctype.split(";")[0].strip().lower()


def differences(
    expected: httpx.Response,
    actual: httpx.Response,
    *,
    numbers: Numbers = "exact",
    X: Sequence[Sequence[float]] | None = None,
) -> Mismatch | None:
    """The first way ``actual`` (the server's answer) differs from ``expected`` (the
    oracle's answer to the same request), or None when they are the same answer.

    ``numbers`` says how numbers are compared; for ``prediction``, ``X`` is the X sent.
    """
    refused = expected.status_code >= 400
    picture = media_type(expected) == "image/png"
    judges = ("media",) if picture else ("shape", "values")
    expect.assess(actual, *judges, refused=refused)
    found = _difference(expected, actual, partial(expected_json, numbers=numbers, X=X))
    if found is None:
        expect.verify(actual, *judges, refused=refused)
        return None
    if refused:
        return replace(found, refused=True)
    if not picture:
        aspect = found.aspect or expect.aspect_of(found.where)
        if aspect == "values":
            expect.verify(actual, "shape")
        elif "json" in media_type(expected):
            wanted = expected_json(expected.json(), numbers=numbers, X=X)
            expect.verify_values(actual, wanted)
    return found


def _difference(
    expected: httpx.Response, actual: httpx.Response, wanted_of: Callable[..., Any]
) -> Mismatch | None:
    """``wanted_of(body, strict=...)``: the oracle's JSON ``body`` as the expected one."""
    expect.judged(actual)
    strict = expect.is_strict(actual)

    def mismatch(where: str) -> Mismatch:  # both answers written only for a difference
        return Mismatch(expect.describe_response(expected), expect.describe_response(actual), where)

    if expected.status_code in REDIRECTS:
        return _redirect_difference(expected, actual, strict)
    if actual.status_code != expected.status_code:
        where = f"$.status: expected {expected.status_code}, got {actual.status_code}"
        return mismatch(where)
    if expected.content and media_type(actual) != media_type(expected):
        where = (
            f"$.headers.content-type: expected {media_type(expected)!r}, "
            f"got {media_type(actual) or '(none)'!r}"
        )
        return mismatch(where)
    if media_type(expected) == "image/png":
        return png_problem(actual)
    if "json" not in media_type(expected):
        if actual.content != expected.content:
            return mismatch("$.body: differs")
        return None
    try:
        body = actual.json()
    except ValueError:
        return mismatch("$ (not JSON)")
    wanted = wanted_of(expected.json(), strict=strict)
    found = expect.difference(wanted, body, strict=strict)
    if found is None:
        return None
    where, what = found
    shown = f"{expected.status_code} {shorten(expect.to_json(wanted))}"
    return Mismatch(shown, expect.describe_response(actual), f"{where}: {what}")


def expected_json(
    body: Any, *, numbers: Numbers = "exact", X: Any = None, strict: bool = False
) -> Any:
    """The oracle's JSON as an expected body: 422 items become :class:`ErrorItem` (``url``
    and ``ctx`` tolerated, unless strict), and computed numbers become :class:`Close`."""
    if isinstance(body, dict) and isinstance(body.get("detail"), list):
        return {**body, "detail": [_error_item(item, strict) for item in body["detail"]]}
    if numbers == "prediction" and isinstance(body, dict) and isinstance(body.get("y_hat"), list):
        rows = list(X or [])
        slack = [_row_slack(rows[i]) if i < len(rows) else 1e-6 for i in range(len(body["y_hat"]))]
        return {
            **body,
            "y_hat": [
                Close(float(v), abs=s) if is_number(v) else v
                for v, s in zip(body["y_hat"], slack, strict=True)
            ],
        }
    if numbers != "exact":
        return close_numbers(body)
    return body


def _row_slack(row: Sequence[float]) -> float:
    from conformance.strategies import prediction_tolerance

    return prediction_tolerance(list(row))


def _error_item(item: Any, strict: bool) -> Any:
    if not isinstance(item, dict):
        return item
    if strict:
        return item  # exactly the keys the lecture's code sends
    return ErrorItem({k: v for k, v in item.items() if k not in ("url", "ctx")})


def _redirect_difference(
    expected: httpx.Response, actual: httpx.Response, strict: bool
) -> Mismatch | None:
    statuses = [expected.status_code] if strict else list(REDIRECTS)
    target = urlsplit(str(expected.request.url.join(expected.headers.get("location", ""))))
    shown = f"a redirect ({' or '.join(map(str, statuses))}) to this server's {target.path}"
    got = expect.describe_response(actual)
    if actual.status_code not in statuses:
        where = f"$.status: expected {' or '.join(map(str, statuses))}, got {actual.status_code}"
        return Mismatch(shown, got, where)
    location = actual.headers.get("location")
    if location is None:
        return Mismatch(shown, got, "$.headers.location: missing")
    here = actual.request.url
    there = here.join(location)
    got = f"{actual.status_code} location: {location}"
    if (there.scheme, there.host, there.port) != (here.scheme, here.host, here.port):
        where = (
            f"$.headers.location: {location!r} leaves the server: it goes to "
            f"{there.scheme}://{there.netloc.decode()}, but the request went to "
            f"{here.scheme}://{here.netloc.decode()}"
        )
        return Mismatch(shown, got, where)
    if there.path != target.path:
        return Mismatch(shown, got, f"$.headers.location: redirects to {there.path!r}")
    return None


# --- images -------------------------------------------------------------------------------


def png_problem(response: httpx.Response) -> Mismatch | None:
    """Why ``response`` is not a 200 image/png whose bytes decode as a PNG, or None."""
    problem, _ = _decoded(response)
    return problem


def _decoded(response: httpx.Response) -> tuple[Mismatch | None, bytes]:
    """(why the response is not a PNG image or None, its decoded pixels or b"")."""
    expect.judged(response)
    got = expect.describe_response(response)
    wanted = "200 image/png (a PNG image that decodes)"
    if response.status_code != 200:
        return Mismatch(wanted, got, f"$.status: expected 200, got {response.status_code}"), b""
    if media_type(response) != "image/png":
        where = f"$.headers.content-type: expected 'image/png', got {media_type(response)!r}"
        return Mismatch(wanted, got, where), b""
    if not response.content.startswith(PNG_SIGNATURE):
        where = f"$.body: starts with {response.content[:8]!r}, not PNG's signature"
        return Mismatch(wanted, got, where, aspect="media"), b""
    try:
        return None, pixels(response.content)
    except Exception as error:  # any decoding error is the student's to see
        return Mismatch(wanted, got, f"$.body: {error}", aspect="media"), b""


def pixels(png: bytes) -> bytes:
    """The decoded RGBA pixels of a PNG, with its size: equal for images that look equal."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.load()
        rgba = image.convert("RGBA")
        return f"{rgba.size}".encode() + rgba.tobytes()


@dataclass
class Images:
    """The metamorphic rules for a plot of the fitted model, over one sequence of requests.

    The same model gives the same image (the same bytes, or the same decoded pixels);
    a different fit gives a different image. ``model`` is any key that is equal for two
    fits that draw the same points (for example the training data).
    """

    seen: dict[Hashable, tuple[bytes, bytes]] = field(default_factory=dict)
    """model -> (the PNG bytes, a digest of its decoded pixels), first image per model."""

    def check(self, model: Hashable, response: httpx.Response) -> Mismatch | None:
        expect.assess(response, "media", "values")
        found = self._check(model, response)
        if found is None:
            expect.verify(response, "media", "values")
        elif found.aspect == "values":
            expect.verify(response, "media")
        return found

    def _check(self, model: Hashable, response: httpx.Response) -> Mismatch | None:
        problem, decoded = _decoded(response)
        if problem is not None:
            return problem
        digest = hashlib.sha256(decoded).digest()
        earlier = self.seen.get(model)
        if earlier is not None:
            if response.content != earlier[0] and digest != earlier[1]:
                return Mismatch(
                    "the same image as the earlier plot of this same model",
                    f"a different image ({len(response.content)} bytes)",
                    "$.body: the plot changed although the model did not (does it depend "
                    "on earlier requests, not only on the current fit?)",
                    why="a plot shows the current fit and nothing else",
                    aspect="values",
                )
            return None
        for other, (content, other_digest) in self.seen.items():
            if content == response.content or other_digest == digest:
                return Mismatch(
                    "a new image for a model fitted to different data",
                    "the same image as the plot of an earlier, different fit",
                    f"$.body: unchanged since the fit of {_short_key(other)}",
                    why="a plot shows the current fit and nothing else",
                    aspect="values",
                )
        self.seen[model] = (response.content, digest)
        return None


def _short_key(key: Hashable) -> str:
    return shorten(str(key), 80)
