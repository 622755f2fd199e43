"""A student's failed checks, read back from a Gradescope report's per-group feedback.

``failures`` is the ONE place that reads failures out of a report. Today it parses the text
that ``reports.group_feedback`` writes (each failure is the suite's student-facing message:
request, expected, got, where they differ, curl line); when reports carry failures as data,
only this function changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELDS = (
    ("expected ", "expected"),
    ("got ", "got"),
    ("differs at ", "where"),
    ("reproduce: ", "curl"),
)


@dataclass
class Failure:
    """One failed check: its name and, when the message has them, its parts."""

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
        """True when the message is the suite's request / expected / got / where format."""
        return bool(self.expected or self.where)

    @property
    def gist(self) -> str:
        """One line: where it differs, else the message's first line."""
        if self.where:
            return self.where
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        return lines[0].removeprefix("AssertionError: ") if lines else "failed"


def failures(test: dict[str, Any]) -> tuple[list[Failure], str]:
    """The failures in one report test (one rubric group), and any note after them."""
    text = str(test.get("output", ""))
    blocks = text.split("\n--- ")
    found: list[Failure] = []
    note = ""
    for block in blocks[1:]:
        name, _, body = block.partition("\n")
        body, marker, rest = body.partition("\n\n... and ")
        if marker:
            note = "... and " + rest.strip()
        found.append(_parse(name.strip(), body.strip("\n")))
    return found, note


def _parse(check: str, text: str) -> Failure:
    failure = Failure(check, text)
    current = ""
    for index, line in enumerate(text.splitlines()):
        stripped = line.strip()
        for prefix, name in FIELDS:
            if line.startswith(prefix) and not getattr(failure, name):
                setattr(failure, name, line.removeprefix(prefix).strip())
                current = name
                break
        else:
            if stripped.startswith("after: "):
                failure.after.append(stripped.removeprefix("after: "))
                current = ""
            elif index == 0 and " " in stripped and stripped.split(" ", 1)[0].isupper():
                failure.request = stripped
            elif current and current != "curl" and stripped:
                setattr(failure, current, f"{getattr(failure, current)}\n{line}")
    return failure


def summary_line(test: dict[str, Any]) -> str:
    """The group's first feedback line, e.g. ``3 of 5 checks passed (15/25)``."""
    return str(test.get("output", "")).split("\n", 1)[0]
