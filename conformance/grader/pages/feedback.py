"""A student's failed checks, read from a Gradescope report: the failures as data.

``failures`` is the one place that reads failures out of a report. Each rubric group of the
report carries its failed tests in ``extra_data.failures``: the suite's own failure fields
(request, expected, got, where, the requests before it, and the rule, kind and hint of the
difference) for a check of the suite, or only the text for anything else (a crash in a
fixture). Nothing is parsed back from text.

What is read is made fit for a student to read, wherever it is shown: every field bounded
and its control characters made visible (:mod:`untrusted`); the grader's temporary address
of the server replaced by the student's own (``origin``); no grader path, no replay script,
no hypothesis note; a long request body cut as in the terminal, the whole of it (bounded)
kept apart for a page to show on demand.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance import hints
from conformance.failure import SHOWN_BODY, SHOWN_HISTORY, SHOWN_STEP, before_this_test, shorten
from conformance.grader.pages import untrusted
from conformance.grader.pages.untrusted import ORIGIN

WHOLE_BODY = 200_000
"""Characters of a request body a page holds, out of sight until asked for."""

KIND = 160
"""Characters of a kind of difference."""


@dataclass
class FailedCheck:
    """One failed check: its name and, when the suite's own check failed, its parts."""

    check: str
    text: str
    request: str = ""
    """The request as the terminal shows it: method, URL and the body, cut."""
    after: list[str] = field(default_factory=list)
    expected: str = ""
    got: str = ""
    where: str = ""
    curl: str = ""
    """A curl line that sends the whole request again (empty when the body is too long)."""
    body: str = ""
    """The whole request body (up to :data:`WHOLE_BODY` characters)."""
    group: str = ""
    """The rubric group the failure is charged to ("" when the report does not say)."""
    rule: str = ""
    kind: str = ""
    hint: str = ""
    count: int = 1
    """How many checks failed with the same rule and kind (the report's own count)."""

    @property
    def structured(self) -> bool:
        """True when the failure has the suite's request / expected / got / where parts."""
        return bool(self.expected or self.where)

    @property
    def gist(self) -> str:
        """One line: where it differs, else the message's first line."""
        if self.where:
            return self.where
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        return lines[0].removeprefix("AssertionError: ") if lines else "failed"

    @property
    def body_cut(self) -> bool:
        """True when the request line shows only part of the body."""
        return len(self.body) > SHOWN_BODY


@dataclass
class Similar:
    """Failures of one group with the same rule and kind of difference: the first in full."""

    first: FailedCheck
    checks: list[str]
    count: int


def failures(test: dict[str, Any], origin: str = ORIGIN) -> tuple[list[FailedCheck], str]:
    """The failures in one report test (one rubric group), and a note on any left out."""
    extra = test.get("extra_data")
    found = extra.get("failures") if isinstance(extra, dict) else None
    if not isinstance(found, list):
        return [], ""
    return [_failure(item, origin) for item in found if isinstance(item, dict)], ""


def grouped(found: Sequence[FailedCheck]) -> list[Similar]:
    """The failures with the same rule and kind together, in the order they first came."""
    groups: dict[tuple[str, str], Similar] = {}
    for failure in found:
        key = (failure.rule, failure.kind)
        if key in groups:
            groups[key].checks.append(failure.check)
            groups[key].count += failure.count
        else:
            groups[key] = Similar(failure, [failure.check], failure.count)
    return list(groups.values())


def _failure(data: dict[str, Any], origin: str) -> FailedCheck:
    def text(key: str, limit: int = untrusted.BLOCK) -> str:
        return untrusted.scrub(untrusted.block(str(data.get(key) or ""), limit), origin)

    request = data.get("request")
    method, url, body, ctype = _sent(request, origin) if isinstance(request, dict) else ("",) * 4
    line = f"{method} {shorten(url)}".strip()
    if body:
        line += f"  body: {shorten(body)}"  # shorten slices: a long body is never copied
    history = [h for h in data.get("history") or [] if isinstance(h, dict)]
    after = [_step(h, origin) for h in history if isinstance(h.get("sent"), dict)]
    if len(after) > SHOWN_HISTORY:
        skipped = len(after) - SHOWN_HISTORY
        after = [f"... {skipped} earlier requests", *after[skipped:]]
    before = before_this_test(data.get("prelude"))
    if before:
        after = [f"({untrusted.line(before, 2 * SHOWN_STEP)})", *after]
    where = text("where", untrusted.LINE)
    failure = FailedCheck(
        check=untrusted.line(data.get("test", "")),
        text=_text(str(data.get("text", "")), origin),
        request=untrusted.block(line, untrusted.LINE * 2),
        after=after,
        expected=text("expected", 2000),
        got=text("got", 2000),
        where=where,
        curl=_curl(method, url, body, ctype) if len(body) <= WHOLE_BODY else "",
        body=untrusted.block(body, WHOLE_BODY),
        group=untrusted.line(data.get("group") or "", 80),
        rule=untrusted.line(data.get("rule") or "", 80),
        hint=text("hint", untrusted.LINE),
        count=_count(data.get("count")),
    )
    raw = FailedCheck(
        "", str(data.get("text", ""))[:KIND], where=str(data.get("where") or "")[:KIND]
    )
    failure.kind = untrusted.line(data.get("kind") or hints.kind(raw.gist), KIND)
    return failure


def _sent(request: dict[str, Any], origin: str) -> tuple[str, str, str, str]:
    """Method, URL (the student's own origin), body and content-type of a report's request."""
    return (
        untrusted.line(request.get("method", ""), 20),
        untrusted.scrub(untrusted.line(request.get("url", ""), 4 * untrusted.LINE), origin),
        str(request.get("body") or ""),
        untrusted.line(request.get("content_type") or "", 100),
    )


ORIGIN_PART = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def _step(exchange: dict[str, Any], origin: str) -> str:
    """An earlier request as the terminal lists it: method, path and body, and its status."""
    method, url, body, _ = _sent(exchange["sent"], origin)
    path = ORIGIN_PART.sub("", url) or "/"
    text = f"{method} {path}" + (f" {body[:SHOWN_STEP]}" if body else "")
    total = len(text) + max(len(body) - SHOWN_STEP, 0)
    if total > SHOWN_STEP:  # as the terminal's shorten, without copying a long body
        text = f"{text[: SHOWN_STEP - 3]}... ({total} characters)"
    return untrusted.line(f"{text} -> {untrusted.line(exchange.get('status'), 20)}", 2 * SHOWN_STEP)


def _curl(method: str, url: str, body: str, ctype: str) -> str:
    """A curl line that sends the request again, the whole body inline (no grader file)."""
    if not url:
        return ""
    parts = ["curl", "-i"]
    if method != "GET":
        parts += ["-X", method]
    parts.append(shlex.quote(url))
    if body:
        parts += ["-H", shlex.quote(f"content-type: {ctype or 'application/json'}")]
        parts += ["--data-binary", shlex.quote(body)]
    return untrusted.visible(" ".join(parts))


NOT_FOR_STUDENTS = re.compile(r"^\s*(note: |replay the whole sequence: )")
"""Lines of a failure's text that are the grader's business: hypothesis's notes, the path of a
replay script in a folder that is gone after the run."""


def _text(text: str, origin: str) -> str:
    cut = untrusted.clip(text, 2 * untrusted.BLOCK)
    kept = [line for line in cut.splitlines() if not NOT_FOR_STUDENTS.match(line)]
    return untrusted.scrub(untrusted.block("\n".join(kept)), origin)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def summary_line(test: dict[str, Any]) -> str:
    """The group's first feedback line, e.g. ``3 of 5 checks passed (15/25)``."""
    return str(test.get("output", "")).split("\n", 1)[0]
