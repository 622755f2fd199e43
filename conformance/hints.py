"""What a difference is a sign of: its kind (the same for two servers with the same mistake)
and, where the difference has a known signature, a hint that names the likely cause.

The kind groups failures: the student's summary shows a kind once, with a count; the class
page counts students by rule and kind. It keeps what tells mistakes apart (statuses, types,
key names, content types) and drops what varies between inputs (values, indices, lengths).
"""

from __future__ import annotations

import difflib
import math
import re

IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF document"),
    (b"<svg", "an SVG image"),
    (b"<?xml", "an XML document (SVG?)"),
    (b"RIFF", "a WebP image"),
    (b"{", "JSON"),
    (b"<", "HTML"),
)

LOOPBACK = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\]):\d{1,5}", re.IGNORECASE)
"""A loopback origin with a port (where a server under test answered): varies by run."""

NUMBER = re.compile(r"(?<![\w.\\-])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)")
"""A number that is a value (not part of a name such as ``utf-8``, nor a byte ``\\x10``)."""

ASIDES = re.compile(r"\s*\((?:within|got keys) [^)]*\)")
"""Parts of a ``where`` that vary with the values: the tolerance, the keys a server sent."""

JSON_TYPE = r"(?:an? )?(null|boolean|integer|number|string|array|object)\b"
TYPES = re.compile(rf"^expected {JSON_TYPE}.*, got {JSON_TYPE}")
STATUS = re.compile(r"^expected (\w+), got (\d+)$")
NUMBERS = re.compile(r"^expected (-?[\d.]+(?:e[-+]?\d+)?), got (-?[\d.]+(?:e[-+]?\d+)?)$")
"""Two computed numbers (a coefficient, a prediction) that differ beyond the tolerance."""

CONNECTION = "the connection"
"""Where a request got no answer at all (``the connection: could not connect to ...``)."""

NO_ANSWER = (
    ("could not connect", "could not connect (the server was not running)"),
    ("no answer within", "no answer in time"),
    ("stopped answering", "no answer in time"),
    ("connection reset", "closed without an answer"),
    ("server disconnected", "closed without an answer"),
    ("connection closed", "closed without an answer"),
)
"""The kinds of a request that got no answer, by the words of the transport's message: the
same for every student whose server was down, whatever its address or the request."""


def _number_kind(expected: float, got: float) -> str:
    """How a computed number differs, alike for the same mistake whatever the data: 0 (no
    intercept fitted), rounded (to a few decimals), nearly equal, or different."""
    if got == 0 and expected != 0:
        return "0 instead of a number"
    for decimals in range(5):
        if round(expected, decimals) == got:
            return f"rounded to {decimals} decimal{'s' if decimals != 1 else ''}"
    if math.isclose(got, expected, rel_tol=1e-4):
        return "nearly the same number (a relative difference under 1e-4)"
    return "a different number"


def kind(where: str) -> str:
    """The kind of a difference, alike for two students with the same mistake: ``where``
    without the values, lengths, indices and ports that vary between them (statuses, types,
    keys and media types are kept). ``$.result: expected integer 2, got number 2.0`` ->
    ``$.result: number instead of integer``; ``$.status: expected 200, got 201`` -> ``status
    201 instead of 200``."""
    text = LOOPBACK.sub("", " ".join(where.split()))
    path, colon, what = text.partition(": ")
    if path == CONNECTION:
        found = next((k for words, k in NO_ANSWER if words in what.lower()), None)
        if found:
            return f"{path}: {found}"
    status = STATUS.match(what)
    if path == "$.status" and status:
        return f"status {status[2]} instead of {status[1]}"
    if numbers := NUMBERS.match(ASIDES.sub("", what)):
        return f"{NUMBER.sub('…', path)}{colon}{_number_kind(*map(float, numbers.groups()))}"
    path, what = NUMBER.sub("…", path), NUMBER.sub("…", ASIDES.sub("", what))
    types = TYPES.match(what)
    if types and types[1] != types[2]:
        what = f"{types[2]} instead of {types[1]}"
    elif what == "expected …, got …" or (types and types[1] in {"integer", "number"}):
        what = "a different number"
    return f"{path}{colon}{what}"


def hint(aspect: str, where: str, got: str, expected: str, *, body: bytes = b"") -> str | None:
    """The likely cause of a difference with a known signature, in one sentence, or None."""
    checks = (_no_answer, _image_bytes, _status_hint, _float_for_int, _near_key, _shrunk)
    for check in checks:
        found = check(aspect, where, got, expected, body)
        if found:
            return found
    return None


def _no_answer(aspect: str, where: str, got: str, expected: str, body: bytes) -> str | None:
    if not where.startswith(f"{CONNECTION}: "):
        return None
    found = kind(where).removeprefix(f"{CONNECTION}: ")
    if found.startswith("could not connect"):
        return (
            "your server could not be reached: it was not running at that moment (it did not "
            "start, or it crashed or exited; its log says why), so the checks from here on "
            "got no answer"
        )
    if found == "closed without an answer":
        return (
            "your server closed the connection without answering: it crashed or exited while "
            "handling this request (its log says why)"
        )
    if found == "no answer in time":
        return "your server did not answer in time: is a handler stuck (a loop, a sleep, input())?"
    return None


def _image_bytes(aspect: str, where: str, got: str, expected: str, body: bytes) -> str | None:
    if "image/png" not in expected and "PNG" not in expected:
        return None
    head = body[:16].lstrip()
    if not head:
        match = re.search(r"starts with b'([^']*)'", where)
        head = match.group(1).encode("latin-1", "replace") if match else b""
        head = head.replace(b"\\xff", b"\xff").replace(b"\\xd8", b"\xd8")
    for signature, name in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return (
                f"these bytes are {name}, not a PNG: save the figure with "
                f'fig.savefig(buf, format="png") and answer media_type="image/png"'
            )
    if "content-type" in where and "image/jpeg" in where:
        return 'a JPEG is not what the lecture sends: savefig(buf, format="png"), image/png'
    if "content-type" in where and "octet-stream" in where:
        return 'give the response its media type: StreamingResponse(buf, media_type="image/png")'
    return None


def _status_hint(aspect: str, where: str, got: str, expected: str, body: bytes) -> str | None:
    match = re.match(r"\$\.status: expected ([\dx or]+), got (\d+)", where)
    if not match:
        return None
    wanted, status = match.group(1).split(" or "), match.group(2)
    if status == "201" and "200" in wanted:
        return "FastAPI answers 200 unless told otherwise: the lecture sets no status_code=201"
    if status == "405":
        return "the path exists but not for this method: check the decorator (@app.get/@app.post)"
    if status == "404" and "Not Found" in got and "404" not in wanted:
        return "no route answers this path: check the path written in the decorator"
    if status == "422" and wanted[0].startswith("2"):
        return (
            "your server refused a request the lecture accepts: a parameter or field is "
            "required that the lecture makes optional, or declared with another type or name"
        )
    if status == "400" and "422" in wanted:
        return "FastAPI's own validation answers 422: is an exception handler changing it?"
    if status == "500":
        return "your server crashed on this request: its log shows the exception"
    if wanted[0].startswith("4") and status.startswith("2"):
        if re.search(r'"detail"\s*:', got):
            return (
                f"your answer is an error sent with status {status}: raise "
                "HTTPException(status_code=..., detail=...) instead of returning the error"
            )
        if wanted == ["422"]:
            return "your server accepted a request the lecture refuses: check the parameter types"
        return (
            "the lecture does not answer this request with a success: where there is nothing "
            "to answer, raise HTTPException(status_code=..., detail=...) instead of returning "
            "a value"
        )
    return None


def _float_for_int(aspect: str, where: str, got: str, expected: str, body: bytes) -> str | None:
    match = re.search(r"expected integer (-?\d+), got number (-?\d+)\.0\b", where)
    if match and match.group(1) == match.group(2):
        return (
            "an integer sent as a float: the lecture's int + int stays an int (a float "
            "parameter type, float() or numpy turns it into 2.0)"
        )
    return None


def _near_key(aspect: str, where: str, got: str, expected: str, body: bytes) -> str | None:
    match = re.search(r"missing key '([^']+)' \(got keys \[([^\]]*)\]\)", where)
    if not match:
        return None
    wanted = match.group(1)
    keys = re.findall(r"'([^']+)'", match.group(2))
    near = difflib.get_close_matches(wanted, keys, n=1, cutoff=0.5) or [
        k for k in keys if wanted.lower() in k.lower() or k.lower() in wanted.lower()
    ]
    if near:
        return f"your answer has {near[0]!r} where the lecture's has {wanted!r}: rename the key"
    return None


def _shrunk(aspect: str, where: str, got: str, expected: str, body: bytes) -> str | None:
    match = re.search(r"expected (-?[\d.e+-]+) \(within [^)]*\), got (-?[\d.e+-]+)", where)
    if not match or ("coef" not in where and "intercept" not in where):
        return None
    try:
        wanted, found = float(match.group(1)), float(match.group(2))
    except ValueError:
        return None
    if "intercept" in where and found == 0.0 and wanted != 0.0:
        return "the intercept is 0: the lecture's LinearRegression() fits one (fit_intercept)"
    if wanted != 0.0 and 0.0 <= found / wanted < 0.999:
        return (
            "the coefficients are shrunk towards 0: a regularised model (Ridge, Lasso) is "
            "not the lecture's LinearRegression() (ordinary least squares)"
        )
    if wanted != 0.0 and abs(found - round(found, 3)) < 1e-12 and found != wanted:
        return "the numbers look rounded: send them as the fit computes them, unrounded"
    return None
