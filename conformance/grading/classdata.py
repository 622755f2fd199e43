"""What the class page shows, computed from the graded results alone (no rubric, no server).

Everything here comes from each ``Result`` (its Gradescope report) and the reports folder (the
server logs), so a class page can be written again later from the folder, or after merging
shards, without grading anything.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.grading import feedback, plotcapture

if TYPE_CHECKING:
    from conformance.grading.run import Result

LOG_TAIL = 8000
"""Characters of a student's server log shown on their page."""

TOP_FAILURES = 10
"""First failures listed on the class page."""

STATUS_LABELS = (
    ("graded", "graded"),
    ("no app", "no app"),
    ("the server did not start", "did not start"),
    ("grading stopped", "timed out"),
    ("the suite wrote no report", "no report"),
    ("the grader failed", "grader error"),
)


def page_of(name: str) -> str:
    """A student's page, beside their report (never ``index.html``, the class page)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).lstrip(".") + ".report.html"


def status_label(status: str) -> str:
    """A short word for a Result's status: graded, did not start, timed out..."""
    for prefix, label in STATUS_LABELS:
        if status.startswith(prefix):
            return label
    return status[:40]


@dataclass(frozen=True)
class Column:
    """A counted rubric group, as it appears in the reports: one column of the table."""

    key: str
    title: str
    points: float

    @property
    def short(self) -> str:
        """The group's id (``add``), for a column header; the title is its tooltip."""
        return self.key.rsplit(":", 1)[-1]


@dataclass
class GroupResult:
    """One student's result for one rubric group (counted or not)."""

    key: str
    title: str
    earned: float
    points: float
    counted: bool
    passed: bool
    line: str
    failures: list[feedback.Failure]
    note: str


@dataclass
class Student:
    name: str
    app: str
    status: str
    label: str
    score: float
    max_score: float
    message: str
    groups: list[GroupResult] = field(default_factory=list)
    log: str = ""
    plot: dict[str, Any] | None = None

    @property
    def graded(self) -> bool:
        return self.label == "graded"

    def earned(self, key: str) -> float | None:
        for group in self.groups:
            if group.key == key:
                return group.earned
        return None

    @property
    def page(self) -> str:
        return page_of(self.name)


@dataclass
class CommonFailure:
    group: str
    check: str
    gist: str
    students: list[str]
    other_ways: int = 0
    """How many other ``gist``s the same check failed with."""


@dataclass
class ClassData:
    exercise: str
    students: list[Student]
    columns: list[Column]
    max_score: float

    @property
    def totals(self) -> list[float]:
        return [s.score for s in self.students]

    @property
    def mean(self) -> float:
        return round(statistics.fmean(self.totals), 2) if self.students else 0.0

    @property
    def median(self) -> float:
        return round(statistics.median(self.totals), 2) if self.students else 0.0

    def group_stats(self) -> list[tuple[Column, float, float]]:
        """Per counted group: the mean points and the share of students who passed it all."""
        rows = []
        for column in self.columns:
            earned = [s.earned(column.key) or 0.0 for s in self.students]
            passed = [
                any(g.key == column.key and g.passed for g in s.groups) for s in self.students
            ]
            mean = statistics.fmean(earned) if earned else 0.0
            rate = sum(passed) / len(passed) if passed else 0.0
            rows.append((column, round(mean, 2), rate))
        return rows

    def common_failures(self, limit: int = TOP_FAILURES) -> list[CommonFailure]:
        """The check each student failed first in each group (or why nothing was graded),
        the most frequent first; with the most common way it failed."""
        seen: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for student in self.students:
            if not student.graded:
                first = student.message.strip().split("\n", 1)[0]
                seen.setdefault(("(not graded)", student.label), []).append((student.name, first))
                continue
            for group in student.groups:
                if group.counted and group.failures:
                    failure = group.failures[0]
                    key = (group.title, failure.check)
                    seen.setdefault(key, []).append((student.name, failure.gist))
        ranked = sorted(seen.items(), key=lambda item: (-len(item[1]), item[0]))
        common = []
        for (title, check), hits in ranked[:limit]:
            gists = Counter(gist for _, gist in hits).most_common()
            names = [name for name, _ in hits]
            common.append(CommonFailure(title, check, gists[0][0], names, len(gists) - 1))
        return common


def student(result: Result, folder: Path | None) -> Student:
    """One student's page data, from their report and the server log in ``folder``."""
    report = result.results if isinstance(result.results, dict) else {}
    tests = report.get("tests")
    groups = []
    for test in tests if isinstance(tests, list) else []:
        if not isinstance(test, dict):
            continue
        tags = test.get("tags")
        tags = tags if isinstance(tags, list) else []
        extra = test.get("extra_data")
        extra = extra if isinstance(extra, dict) else {}
        found, note = feedback.failures(test)
        groups.append(
            GroupResult(
                key=":".join(str(t) for t in tags) or str(test.get("name", "")),
                title=str(test.get("name", "")),
                earned=_number(extra.get("earned", test.get("score"))),
                points=_number(extra.get("points", test.get("max_score"))),
                counted=_number(test.get("max_score")) > 0,
                passed=test.get("status") == "passed",
                line=feedback.summary_line(test),
                failures=found,
                note=note,
            )
        )
    label = status_label(result.status)
    extra_data = report.get("extra_data")
    plot = extra_data.get(plotcapture.EXTRA_KEY) if isinstance(extra_data, dict) else None
    return Student(
        name=result.name,
        app=result.app,
        status=result.status,
        label=label,
        score=_number(report.get("score")),
        max_score=_number(report.get("max_score")),
        message="" if label == "graded" else str(report.get("output", "")),
        groups=groups if label == "graded" else [],
        log=_tail(folder / f"{result.name}.server.log") if folder else "",
        plot=plot if isinstance(plot, dict) else None,
    )


def build(folder: Path | None, exercise: str, results: Sequence[Result]) -> ClassData:
    students = [student(r, folder) for r in sorted(results, key=lambda r: r.name)]
    columns: dict[str, Column] = {}
    for s in students:
        for group in s.groups:
            if group.counted and group.key not in columns:
                columns[group.key] = Column(group.key, group.title, group.points)
    max_score = max([s.max_score for s in students] + [0.0])
    return ClassData(exercise, students, list(columns.values()), max_score)


def _number(value: object) -> float:
    """A report's number; 0 for anything else (a hand-edited or truncated report)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def _tail(path: Path, limit: int = LOG_TAIL) -> str:
    try:
        with path.open("rb") as log:
            log.seek(0, 2)
            size = log.tell()
            log.seek(max(size - limit, 0))
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return ""
    if size > limit and "\n" in text:  # start at a whole line
        text = "... (earlier lines cut)\n" + text.split("\n", 1)[1]
    return text
