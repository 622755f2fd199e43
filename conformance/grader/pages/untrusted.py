"""Student text, made safe for each place it is shown: bounded, and escaped for that format.

Student text is anything that came from a student's server or folder: failure fields (what
came back, where it differs), server logs, app paths and folder names, header values. It is
hostile until shown otherwise. Each output format has its own rules:

- everywhere: control characters (ANSI escapes, a carriage return that rewrites a line), and
  the invisible characters that reorder or hide text (bidi overrides, zero-width spaces) are
  shown as escapes, ``\\x1b``, ``\\u202e``; and every string is cut to a length;
- HTML: jinja2's autoescaping (the pages never mark student text safe);
- Markdown (the GitHub job summary): literal code spans, never Markdown (:func:`markdown_code`);
  GitHub renders links, images, HTML and autolinks everywhere else;
- a terminal: :func:`terminal`;
- CSV: ``classlist.inert`` (a leading ``=`` is a formula); JSON: ``json.dumps`` escapes.

The grader's own temporary names (a forwarder's port, a temporary folder) are not the
student's and mean nothing after the run: :func:`scrub` puts the student's own base URL in
their place and hides grader paths.
"""

from __future__ import annotations

import re
import sys
import tempfile
from functools import cache
from pathlib import Path

from conformance.failure import visible as visible

LINE = 300
"""Characters of one line of student text (a cell, a title, a ``where``)."""

BLOCK = 8000
"""Characters of a block of student text (a failure's text, a message)."""

ORIGIN = "http://127.0.0.1:8000"
"""What a graded student reads in place of the grader's temporary address for their server:
the address ``fastapi dev`` and the lecture's ``uvicorn`` lines serve it at."""

LOOPBACK = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\]):\d{1,5}", re.IGNORECASE)
"""A loopback origin with a port: during grading, the forwarder to the student's server."""


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters (a little more for the note saying how long it was)."""
    return (
        text if len(text) <= limit else f"{text[: max(limit - 3, 0)]}... ({len(text)} characters)"
    )


def line(text: object, limit: int = LINE) -> str:
    """One line: whitespace runs made one space, escapes shown, cut to ``limit``."""
    return clip(visible(" ".join(str(text).split()), newlines=False), limit)


def block(text: object, limit: int = BLOCK) -> str:
    """Several lines, for a ``<pre>`` or a terminal: escapes shown, cut to ``limit``."""
    return visible(clip(str(text).replace("\r\n", "\n"), limit))


def terminal(text: object, limit: int = BLOCK) -> str:
    """Student text for a terminal: no escape sequence reaches it raw, none can move the
    cursor or rewrite a line (``\\r``), and the text is bounded."""
    return block(text, limit)


def markdown_code(text: object, limit: int = LINE, *, table: bool = True) -> str:
    """A literal Markdown code span holding ``text`` on one line: nothing in it is a link, an
    image, HTML or emphasis. Its fence is longer than any run of backticks inside, so nothing
    closes it early; ``table``: pipes escaped, since a table row is split into cells first."""
    shown = line(text, limit)
    if not shown:
        return "(empty)"
    if table:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown[0] in "` " or shown[-1] in "` " else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


@cache
def _grader_folders() -> re.Pattern[str]:
    """Folders of the grader's own machine that a student has no use for: its temporary
    folder, its Python, this package's checkout (the longest first)."""
    found = {
        tempfile.gettempdir(),
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        str(Path(__file__).resolve().parents[3]),  # the checkout: conformance/grader/pages/..
    }
    folders = sorted((f.rstrip("/") for f in found if len(f) > 1), key=len, reverse=True)
    return re.compile("|".join(re.escape(f + "/") for f in folders))


def scrub(text: str, origin: str = ORIGIN) -> str:
    """``text`` as a student reads it: the grader's loopback address of their server made
    ``origin``, and the grader's own folders (temporary files, its Python) made ``…``."""
    return _grader_folders().sub("…/", LOOPBACK.sub(origin, text))
