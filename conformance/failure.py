"""A failure as data: what was sent, what the lecture expects, what came back, where they differ.

A check builds a :class:`Failure` and raises it inside a :class:`LectureMismatch`. It is
rendered to text in one place, :meth:`Failure.render`, for the terminal and the reports;
the grader, the score table and the reports read its fields (:meth:`Failure.as_dict`), never
the rendered text. The requests sent earlier in the same test come from the transport, which
records them (:class:`Earlier`), so no check writes that history by hand.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shlex
import stat
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

SHOWN_BODY = 300
"""How many characters of a body a failure message shows."""

INLINE_CURL = 2000
"""Request bodies longer than this are written to a file that the curl line reads."""

SHOWN_HISTORY = 12
"""How many of the requests sent before the failing one a failure lists (the replay script
holds them all)."""

SHOWN_OPERATIONS = 6
"""How many operations the line on what earlier tests had sent names (an exercise has few)."""

SHOWN_STEP = 140
"""How many characters of each earlier request a failure shows."""


def shorten(text: str, limit: int = SHOWN_BODY) -> str:
    """``text`` cut to ``limit`` characters, with its control and invisible characters shown
    as escapes (a student's answer never moves the teacher's cursor or reorders a line)."""
    text = visible(text)
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text)} characters)"


INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
"""Control characters (C0 but tab and newline, DEL, C1), bidi marks, overrides and isolates,
zero-width characters, line and paragraph separators."""

INVISIBLE_ON_ONE_LINE = re.compile(f"[\t\n{INVISIBLE.pattern[1:]}")
"""The same, and tab and newline too."""


def visible(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control and invisible character shown as an escape (``\\x1b``).

    ``newlines``: keep line feeds (and tabs) as they are; else they become escapes too."""
    return (INVISIBLE if newlines else INVISIBLE_ON_ONE_LINE).sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def request_body(request: httpx.Request) -> bytes:
    """The request's body; a streamed body that was never read counts as empty."""
    try:
        return request.content
    except httpx.RequestNotRead:
        return b""


@dataclass(frozen=True)
class Sent:
    """One request, as a student would type it again."""

    method: str
    url: str
    body: bytes = b""
    content_type: str = ""

    @classmethod
    def of(cls, request: httpx.Request) -> Sent:
        body = request_body(request)
        ctype = request.headers.get("content-type", "application/json") if body else ""
        return cls(request.method, str(request.url), body, ctype)

    def line(self) -> str:
        text = f"{self.method} {shorten(self.url)}"
        if self.body:
            text += f"  body: {shorten(self.body.decode('utf-8', 'replace'))}"
        return text

    def step(self) -> str:
        """Short, for a numbered list: the method, the path and query, and the body."""
        text = f"{self.method} {httpx.URL(self.url).raw_path.decode('ascii', 'replace')}"
        if self.body:
            text += " " + self.body.decode("utf-8", "replace")
        return shorten(text, SHOWN_STEP)

    def curl(self, *, local: bool = True) -> str:
        """A curl command line that sends the same request. A body too long to show is read
        from a file: one written now (``local``), or ``body.json``, named for the student to
        save the request's body in (a graded report never names the grader's files)."""
        parts = ["curl", "-i"]
        if self.method != "GET":
            parts += ["-X", self.method]
        parts.append(shlex.quote(self.url))
        if self.body:
            parts += ["-H", shlex.quote(f"content-type: {self.content_type}")]
            if len(self.body) <= INLINE_CURL:
                parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", "replace"))]
            elif local:
                parts += ["--data-binary", shlex.quote("@" + str(save_body(self.body)))]
            else:
                parts += ["--data-binary", "@body.json"]
                parts.append(f"  # body.json: the request's body ({len(self.body)} bytes)")
        return " ".join(parts)


@functools.cache  # one folder per run: a message names the file that is then written
def own_folder(name: str) -> Path:
    """``$TMPDIR/<name>-<uid>``, a folder only this user can enter, made if missing.

    On a machine shared by a class, another user could have made the folder first, or put a
    link in it where our next file goes; so it must be ours, a real folder, and closed to
    others. If it is not, a fresh private folder is used instead.
    """
    folder = Path(tempfile.gettempdir()) / f"{name}-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        status = folder.lstat()
        if stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid():
            folder.chmod(0o700)
            return folder
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix=f"{name}-"))


def save_body(body: bytes) -> Path:
    """Keep a long request body in a file a curl line can read (``--data-binary @file``)."""
    path = own_folder("conformance-requests") / f"{hashlib.sha256(body).hexdigest()[:16]}.json"
    path.write_bytes(body)
    return path


@dataclass(frozen=True)
class Earlier:
    """A request sent earlier in the same test, and the status it got."""

    sent: Sent
    status: int

    def line(self) -> str:
        return f"{self.sent.method} {shorten(self.sent.url, 120)} -> {self.status}"

    def step(self) -> str:
        return f"{self.sent.step()} -> {self.status}"


@dataclass(frozen=True)
class Failure:
    """What came back differs from what the lecture shows or implies."""

    expected: str
    got: str
    where: str
    """Where they differ, and how: ``$.result: expected integer 2, got number 2.0``."""
    request: Sent | None = None
    history: tuple[Earlier, ...] = ()
    prelude: tuple[Sent, ...] = ()
    """What earlier tests sent that changed what the server holds before this test's first
    request (``POST /items``, ``/fit``; none before a test that starts with ``/reset``): the
    answers depend on it, so the replay script sends it first."""
    slide: str | None = None
    notes: tuple[str, ...] = field(default=())
    """What hypothesis noted for the failing example (kept as data, never shown: the request
    and the sequence already show the inputs)."""
    rule: str | None = None
    """The lecture rule the difference breaks (``"POST /fit: values"``, see
    :mod:`conformance.rules`); None for a check of a declaration (the test's own rule)."""
    kind: str = ""
    """The kind of difference, the same for two servers with the same mistake."""
    hint: str | None = None
    """The likely cause, where the difference has a known signature."""

    def render(self, *, local: bool = True) -> str:
        """The failure as the student reads it; ``local``: a run on the student's own machine,
        where long bodies and a sequence's replay script are written to files it names (a
        graded student never sees the grader's files)."""
        lines = []
        if self.request is not None:
            lines.append(self.request.line())
        if self.slide:
            lines.append(f"  (lecture: {self.slide!r})")
        before = before_this_test(self.prelude_counts())
        if before:
            also = " (the replay script sends them first)" if local else ""
            lines.append(f"  {before}{also}")
        if self.history:
            lines += self._sequence()
        lines.append(f"expected {self.expected}")
        lines.append(f"got      {self.got}")
        lines.append(f"differs at {self.where}")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        if self.request is not None:
            lines.append(f"reproduce: {self.request.curl(local=local)}")
        if local and (self.history or self.prelude) and self.request is not None:
            lines.append(f"replay the whole sequence: sh {self.replay_path()}")
        return "\n".join(lines)

    def shown_at(self, real: str, shown: str) -> Failure:
        """The same failure with the server's origin ``real`` written as ``shown`` (a graded
        student reads their own base URL, never the grader's temporary port)."""
        if not real or real == shown:
            return self

        def move(sent: Sent) -> Sent:
            if sent.url.startswith(real):
                return replace(sent, url=shown + sent.url[len(real) :])
            return sent

        return replace(
            self,
            expected=self.expected.replace(real, shown),
            got=self.got.replace(real, shown),
            where=self.where.replace(real, shown),
            request=move(self.request) if self.request is not None else None,
            history=tuple(replace(e, sent=move(e.sent)) for e in self.history),
            prelude=tuple(move(sent) for sent in self.prelude),
        )

    def prelude_counts(self) -> dict[str, int]:
        """How many requests of each operation the prelude holds (``{"POST /items": 49}``)."""
        counts: Counter[str] = Counter(
            f"{sent.method} {urlsplit(sent.url).path}" for sent in self.prelude
        )
        return dict(counts)

    def _sequence(self) -> list[str]:
        """The requests of this test that led here, numbered, the failing one last."""
        total = len(self.history) + (self.request is not None)
        lines = [f"the sequence that leads to it ({total} requests):"]
        skipped = max(0, len(self.history) - SHOWN_HISTORY)
        if skipped:
            lines.append(f"  ... {skipped} earlier requests (all in the replay script)")
        for number, exchange in enumerate(self.history[skipped:], skipped + 1):
            lines.append(f"  {number}. {exchange.step()}")
        if self.request is not None:
            lines.append(f"  {total}. {self.request.step()}   <- differs")
        return lines

    def replay_script(self) -> str:
        """A shell script of curl lines that sends the whole sequence again, in order."""
        sent = [*self.prelude, *(exchange.sent for exchange in self.history)]
        if self.request is not None:
            sent.append(self.request)
        lines = [
            "#!/bin/sh",
            "# Sends again, in order, the requests after which the server's last answer",
            "# differed from the lecture's. Start from a freshly started server: the answers",
            "# depend on what it already holds.",
        ]
        if self.prelude:
            lines += [
                f"# Requests 1 to {len(self.prelude)} are what earlier tests sent that changed",
                "# what the server holds; the rest are the failing test's own.",
            ]
        for number, request in enumerate(sent, 1):
            lines += [f"echo '--- {number}. {request.method} {request.url}'", request.curl()]
        return "\n".join(lines) + "\n"

    def replay_path(self) -> Path:
        """Where :meth:`save_replay` writes the script (named by its content)."""
        digest = hashlib.sha256(self.replay_script().encode()).hexdigest()[:12]
        return own_folder("conformance-sequences") / f"sequence-{digest}.sh"

    def save_replay(self) -> Path | None:
        """Write the replay script, when there is a sequence to replay; its path."""
        if not (self.history or self.prelude) or self.request is None:
            return None
        path = self.replay_path()
        path.write_text(self.replay_script(), encoding="utf-8")
        path.chmod(0o755)
        return path

    def with_context(self, *, slide: str | None, notes: Sequence[str]) -> Failure:
        return replace(self, slide=slide or self.slide, notes=tuple(notes) or self.notes)

    def as_dict(self, *, local: bool = True) -> dict[str, Any]:
        """The fields, JSON-ready (bodies as text), for reports and the grader; ``local``: as
        :meth:`render` (a graded report names no file of the grader's)."""
        data = asdict(replace(self, prelude=()))  # the requests themselves: only in the replay
        data["prelude"] = self.prelude_counts()
        del data["notes"]
        if self.request is not None:
            data["request"]["body"] = self.request.body.decode("utf-8", "replace")
            data["curl"] = self.request.curl(local=local)
        for exchange in data["history"]:
            exchange["sent"]["body"] = exchange["sent"]["body"].decode("utf-8", "replace")
        data["text"] = self.render(local=local)
        saved = self.save_replay() if local else None
        data["replay"] = str(saved) if saved else None
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


def before_this_test(counts: Any) -> str | None:
    """One line on what earlier tests had sent, from :meth:`Failure.prelude_counts` (or that
    field of a report, which is read as untrusted: anything but names and counts is ignored)."""
    if not isinstance(counts, dict):
        return None
    sent = [
        f"{shorten(label, 60)} {count} time{'s' if count != 1 else ''}"
        for label, count in list(counts.items())[:SHOWN_OPERATIONS]
        if isinstance(label, str) and type(count) is int and count > 0
    ]
    if not sent:
        return None
    return f"before this, earlier requests had changed the server's state: {', '.join(sent)}"


class LectureMismatch(AssertionError):
    """Raised by a check: carries the :class:`Failure`."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure
        super().__init__(failure.render())
