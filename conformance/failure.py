"""A failure as data: what was sent, what the lecture expects, what came back, where they differ.

A check builds a :class:`Failure` and raises it inside a :class:`LectureMismatch`. It is
rendered to text in one place, :meth:`Failure.render`, for the terminal and the reports;
the grader, the score table and the reports read its fields (:meth:`Failure.as_dict`), never
the rendered text. The requests sent earlier in the same test come from the transport, which
records them (:class:`Exchange`), so no check writes that history by hand.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shlex
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

SHOWN_BODY = 300
"""How many characters of a body a failure message shows."""

INLINE_CURL = 2000
"""Request bodies longer than this are written to a file that the curl line reads."""

SHOWN_HISTORY = 12
"""How many of the requests sent before the failing one a failure lists (the replay script
holds them all)."""

SHOWN_STEP = 140
"""How many characters of each earlier request a failure shows."""


def shorten(text: str, limit: int = SHOWN_BODY) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text)} characters)"


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

    def curl(self) -> str:
        """A curl command line that sends the same request."""
        parts = ["curl", "-i"]
        if self.method != "GET":
            parts += ["-X", self.method]
        parts.append(shlex.quote(self.url))
        if self.body:
            parts += ["-H", shlex.quote(f"content-type: {self.content_type}")]
            if len(self.body) <= INLINE_CURL:
                parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", "replace"))]
            else:
                parts += ["--data-binary", shlex.quote("@" + str(save_body(self.body)))]
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
class Exchange:
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
    history: tuple[Exchange, ...] = ()
    slide: str | None = None
    notes: tuple[str, ...] = field(default=())
    """What hypothesis noted for the failing example (the inputs, the steps)."""

    def render(self) -> str:
        lines = []
        if self.request is not None:
            lines.append(self.request.line())
        if self.slide:
            lines.append(f"  (lecture: {self.slide!r})")
        if self.history:
            lines += self._sequence()
        lines.append(f"expected {self.expected}")
        lines.append(f"got      {self.got}")
        lines.append(f"differs at {self.where}")
        if self.request is not None:
            lines.append(f"reproduce: {self.request.curl()}")
        if self.history and self.request is not None:
            lines.append(f"replay the whole sequence: sh {self.replay_path()}")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

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
        sent = [exchange.sent for exchange in self.history]
        if self.request is not None:
            sent.append(self.request)
        lines = [
            "#!/bin/sh",
            "# Sends again, in order, the requests after which the server's last answer",
            "# differed from the lecture's. Start from a freshly started server: the answers",
            "# depend on what it already holds.",
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
        if not self.history or self.request is None:
            return None
        path = self.replay_path()
        path.write_text(self.replay_script(), encoding="utf-8")
        path.chmod(0o755)
        return path

    def with_context(self, *, slide: str | None, notes: Sequence[str]) -> Failure:
        return Failure(
            self.expected,
            self.got,
            self.where,
            self.request,
            self.history,
            slide or self.slide,
            tuple(notes) or self.notes,
        )

    def as_dict(self) -> dict[str, Any]:
        """The fields, JSON-ready (bodies as text), for reports and the grader."""
        data = asdict(self)
        if self.request is not None:
            data["request"]["body"] = self.request.body.decode("utf-8", "replace")
            data["curl"] = self.request.curl()
        for exchange in data["history"]:
            exchange["sent"]["body"] = exchange["sent"]["body"].decode("utf-8", "replace")
        data["text"] = self.render()
        replay = self.save_replay()
        data["replay"] = str(replay) if replay else None
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


class LectureMismatch(AssertionError):
    """Raised by a check: carries the :class:`Failure`."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure
        super().__init__(failure.render())
