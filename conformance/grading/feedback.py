"""A student's failed checks, read from a Gradescope report: the failures as data.

``failures`` is the one place that reads failures out of a report. Each rubric group of the
report carries its failed tests in ``extra_data.failures``: the suite's own failure fields
(request, expected, got, where, the requests before it, curl line) for a check of the suite,
or only the text for anything else (a crash in a fixture). Nothing is parsed back from text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Failure:
    """One failed check: its name and, when the suite's own check failed, its parts."""

    check: str
    text: str
    request: str = ""
    after: list[str] = field(default_factory=list)
    expected: str = ""
    got: str = ""
    where: str = ""
    curl: str = ""

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


def failures(test: dict[str, Any]) -> tuple[list[Failure], str]:
    """The failures in one report test (one rubric group), and a note on any left out."""
    extra = test.get("extra_data")
    found = extra.get("failures") if isinstance(extra, dict) else None
    if not isinstance(found, list):
        return [], ""
    return [_failure(item) for item in found if isinstance(item, dict)], ""


def _failure(data: dict[str, Any]) -> Failure:
    request = data.get("request")
    line = ""
    if isinstance(request, dict):
        line = f"{request.get('method', '')} {request.get('url', '')}".strip()
        if request.get("body"):
            line += f"  body: {request['body']}"
    after = [
        f"{h['sent'].get('method', '')} {h['sent'].get('url', '')} -> {h.get('status')}"
        for h in data.get("history") or []
        if isinstance(h, dict) and isinstance(h.get("sent"), dict)
    ]
    return Failure(
        check=str(data.get("test", "")),
        text=str(data.get("text", "")),
        request=line,
        after=after,
        expected=str(data.get("expected", "")),
        got=str(data.get("got", "")),
        where=str(data.get("where", "")),
        curl=str(data.get("curl", "")),
    )


def summary_line(test: dict[str, Any]) -> str:
    """The group's first feedback line, e.g. ``3 of 5 checks passed (15/25)``."""
    return str(test.get("output", "")).split("\n", 1)[0]
