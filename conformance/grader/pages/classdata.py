"""What the class page shows, computed from the graded results alone (no rubric, no server).

Everything here comes from each ``Result`` (its Gradescope report) and the reports folder (the
server logs), so a class page can be written again later from the folder, or after merging
shards, without grading anything. Every string a student controls is bounded and its control
characters shown as escapes here (:mod:`untrusted`), whatever page or summary shows it.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.grader.pages import feedback, plotcapture, untrusted
from conformance.grader.pages.untrusted import ORIGIN

if TYPE_CHECKING:
    from conformance.grader.job import Result

LOG_TAIL = 8000
"""Characters of a student's server log shown on their page."""

NAME = 100
"""Characters of a student's name (a folder name) shown."""

PAGE_NAME = 100
"""Characters of a page's file name before ``.report.html``."""

TOP_FAILURES = 10
"""Kinds of failure listed on the class page."""

HIDDEN = ("hidden",)
"""Group visibilities (Gradescope's) that a student-safe page leaves out."""

SEED_LINE = re.compile(r"^Grading seed: .*$\n?", re.MULTILINE)

STATUS_LABELS = (
    ("graded", "graded"),
    ("no app", "no app"),
    ("the server did not start", "did not start"),
    ("grading stopped", "timed out"),
    ("the suite wrote no report", "no report"),
    ("the grader failed", "grader error"),
)


def page_of(name: str) -> str:
    """A student's page, beside their report (never ``index.html``, the class page); a name
    too long for a file name is cut, and a digest of the whole name keeps it unique."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).lstrip(".") or "student"
    if len(safe) > PAGE_NAME:
        digest = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:12]
        safe = f"{safe[: PAGE_NAME - 13]}-{digest}"
    return safe + ".report.html"


def status_label(status: str) -> str:
    """A short word for a Result's status: graded, did not start, timed out..."""
    for prefix, label in STATUS_LABELS:
        if status.startswith(prefix):
            return label
    return untrusted.line(status, 40)


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
    failures: list[feedback.FailedCheck]
    note: str
    visibility: str = "visible"

    @property
    def similar(self) -> list[feedback.Similar]:
        """The failures with the same rule and kind of difference together."""
        return feedback.grouped(self.failures)


@dataclass
class StudentSummary:
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
    page: str = ""
    """Their page's file name (from their whole name, never one cut short)."""

    def __post_init__(self) -> None:
        self.page = self.page or page_of(self.name)

    @property
    def graded(self) -> bool:
        return self.label == "graded"

    def earned(self, key: str) -> float | None:
        for group in self.groups:
            if group.key == key:
                return group.earned
        return None


@dataclass
class CommonFailure:
    """One kind of failure (a rule, a kind of difference) in one group, across the class."""

    group: str
    """The group's title."""
    rule: str
    kind: str
    hint: str
    who: list[StudentSummary]
    checks: int
    """Failed checks of this kind, all these students together."""
    example: str
    """One check that failed this way."""

    @property
    def students(self) -> list[str]:
        return [s.name for s in self.who]


@dataclass
class ClassData:
    exercise: str
    students: list[StudentSummary]
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
        """The kinds of failure (group, rule, kind of difference) that hit most students, each
        student counted once per kind; a student who was not graded counts once, with why."""
        seen: dict[tuple[str, str, str], CommonFailure] = {}
        for student in self.students:
            if not student.graded:
                first = student.message.strip().split("\n", 1)[0]
                key = ("(not graded)", "", student.label)
                item = seen.setdefault(key, CommonFailure(*key, "", [], 0, untrusted.line(first)))
                item.who.append(student)
                item.checks += 1
                continue
            titles = {g.key.rsplit(":", 1)[-1]: g.title for g in student.groups}
            for group in student.groups:
                if not group.counted:
                    continue
                for failure in group.failures:
                    charged = titles.get(failure.group, group.title)
                    key = (charged, failure.rule, failure.kind)
                    item = seen.setdefault(
                        key, CommonFailure(*key, failure.hint, [], 0, failure.check)
                    )
                    if not item.who or item.who[-1] is not student:
                        item.who.append(student)
                    item.checks += failure.count
                    item.hint = item.hint or failure.hint
        ranked = sorted(seen.values(), key=lambda c: (-len(c.students), -c.checks, c.group, c.kind))
        return ranked[:limit]


def student_safe(student: StudentSummary, hide: Sequence[str] = HIDDEN) -> StudentSummary:
    """What ``student`` may see: no group whose visibility is in ``hide`` (nor any failure
    charged to one), a score of the groups left, no grading seed, no grader path."""
    hidden = {g.key.rsplit(":", 1)[-1] for g in student.groups if g.visibility in hide}
    groups = [
        replace(g, failures=[f for f in g.failures if f.group not in hidden])
        for g in student.groups
        if g.visibility not in hide
    ]
    counted = [g for g in groups if g.counted]
    message = untrusted.scrub(SEED_LINE.sub("", student.message)).strip()
    return replace(
        student,
        app="/".join(Path(student.app).parts[-2:]),
        status=student.label,
        score=round(sum(g.earned for g in counted), 2) if student.graded else 0.0,
        max_score=round(sum(g.points for g in counted), 2) if student.graded else 0.0,
        message=message,
        groups=groups,
        log=untrusted.scrub(student.log),
    )


def student(result: Result, folder: Path | None, origin: str = ORIGIN) -> StudentSummary:
    """One student's page data, from their report and the server log in ``folder``;
    ``origin``: the address of their server that failures show (see :mod:`untrusted`)."""
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
        found, note = feedback.failures(test, origin)
        groups.append(
            GroupResult(
                key=untrusted.line(":".join(str(t) for t in tags) or str(test.get("name", ""))),
                title=untrusted.line(test.get("name", "")),
                earned=_number(extra.get("earned", test.get("score"))),
                points=_number(extra.get("points", test.get("max_score"))),
                counted=_number(test.get("max_score")) > 0,
                passed=test.get("status") == "passed",
                line=untrusted.line(feedback.summary_line(test)),
                failures=found,
                note=note,
                visibility=str(test.get("visibility") or "visible"),
            )
        )
    label = status_label(result.status)
    extra_data = report.get("extra_data")
    plot = extra_data.get(plotcapture.EXTRA_KEY) if isinstance(extra_data, dict) else None
    return StudentSummary(
        name=untrusted.line(result.name, NAME),
        app=untrusted.line(result.app),
        status=untrusted.line(result.status),
        label=label,
        score=_number(report.get("score")),
        max_score=_number(report.get("max_score")),
        message="" if label == "graded" else _message(report.get("output", ""), origin),
        groups=groups if label == "graded" else [],
        log=untrusted.visible(_tail(folder, result.name)) if folder else "",
        plot=plot if isinstance(plot, dict) else None,
        page=page_of(result.name),
    )


def _message(output: object, origin: str) -> str:
    """Why a submission was not graded (its report's output), for a page."""
    return untrusted.block(untrusted.LOOPBACK.sub(origin, str(output)))


def build(
    folder: Path | None, exercise: str, results: Sequence[Result], origin: str = ORIGIN
) -> ClassData:
    """The class, from each student's result and their logs in ``folder``."""
    students = [student(r, folder, origin) for r in sorted(results, key=lambda r: r.name)]
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


def _tail(folder: Path, name: str, limit: int = LOG_TAIL) -> str:
    """The end of ``name``'s server log in ``folder`` (never a file elsewhere: a name that is
    not a plain file name has no log)."""
    if Path(name).name != name or name in {"", ".", ".."} or "\x00" in name:
        return ""
    path = folder / f"{name}.server.log"
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
