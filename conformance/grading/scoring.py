"""Scores from test outcomes: each rubric group earns its points times the share that passed.

The input is one ``Outcome`` per test that ran; the output a ``Sheet`` with a ``GroupScore``
per rubric group (and one for tests that match no group), per exercise and tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.grading.rubric import Group, Rubric

UNMATCHED_TITLE = "(tests in no rubric group)"


@dataclass
class Outcome:
    """What happened to one test: passed, failed or skipped, and its student-facing text."""

    nodeid: str
    key: str
    exercise: str
    tier: str
    outcome: str = "passed"
    text: str = ""
    summary: str = ""
    failure: dict[str, Any] | None = None
    """A failed test's failure as data (``conformance.failure.Failure.as_dict``), when the
    suite's own check failed; ``text`` is its rendering and ``summary`` its ``where``."""

    @property
    def name(self) -> str:
        """The test's readable id: its parameter id when it has one, else its name."""
        name = self.key.partition("::")[2] or self.key
        if name.endswith("]") and "[" in name:
            return name[name.index("[") + 1 : -1]
        return name


@dataclass
class GroupScore:
    """One rubric group's tests and the points they earned."""

    exercise: str
    tier: str
    title: str
    points: float
    group: Group | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.group.id if self.group else "unmatched"

    @property
    def passed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome == "passed"]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]

    @property
    def ran(self) -> int:
        return len(self.passed) + len(self.failed)

    @property
    def earned(self) -> float:
        if not self.ran:
            return 0.0
        return round(self.points * len(self.passed) / self.ran, 2)

    @property
    def visibility(self) -> str:
        return self.group.visibility if self.group else "visible"

    def first_failure(self) -> str:
        """One line: the first failing test and where it differs, or why nothing counted."""
        if self.failed:
            first = self.failed[0]
            return f"{first.name}: {first.summary}" if first.summary else first.name
        if not self.outcomes:
            return "no test matches this group's patterns"
        if not self.ran:
            return "every test in this group was skipped"
        return ""


@dataclass
class Section:
    """One exercise and tier: its groups, and whether its points count towards the score."""

    exercise: str
    tier: str
    counted: bool
    groups: list[GroupScore]

    @property
    def earned(self) -> float:
        return round(sum(g.earned for g in self.groups), 2)

    @property
    def possible(self) -> float:
        return sum(g.points for g in self.groups)

    @property
    def unmatched(self) -> list[Outcome]:
        return [o for g in self.groups if g.group is None for o in g.outcomes]


@dataclass
class Sheet:
    """Every section that ran, in rubric order; totals over the counted sections."""

    sections: list[Section]
    rubric: Rubric

    @property
    def score(self) -> float:
        return round(sum(s.earned for s in self.sections if s.counted), 2)

    @property
    def max_score(self) -> float:
        return sum(s.possible for s in self.sections if s.counted)

    def section(self, exercise: str, tier: str) -> Section | None:
        for section in self.sections:
            if (section.exercise, section.tier) == (exercise, tier):
                return section
        return None


def score(rubric: Rubric, outcomes: list[Outcome], exercises: Sequence[str] = ()) -> Sheet:
    """Put each outcome in its group and score every exercise and tier that ran a test.

    The counted tiers of ``exercises`` appear even when none of their tests ran (a server
    that could not be tested still scores 0 out of the full points).
    """
    seen = [(e, t) for e in exercises for t in sorted(rubric.counted_tiers)]
    for outcome in outcomes:
        if (outcome.exercise, outcome.tier) not in seen:
            seen.append((outcome.exercise, outcome.tier))
    order = [(g.exercise, g.tier) for g in rubric.groups]
    seen.sort(key=lambda section: order.index(section) if section in order else len(order))
    sections = []
    for exercise, tier in seen:
        groups = {
            g.id: GroupScore(exercise, tier, g.title, g.points, g)
            for g in rubric.groups_of(exercise, tier)
        }
        unmatched = GroupScore(exercise, tier, UNMATCHED_TITLE, 0.0)
        for outcome in outcomes:
            if (outcome.exercise, outcome.tier) != (exercise, tier):
                continue
            group = rubric.group_for(exercise, tier, outcome.key)
            (groups[group.id] if group else unmatched).outcomes.append(outcome)
        rows = list(groups.values()) + ([unmatched] if unmatched.outcomes else [])
        sections.append(Section(exercise, tier, tier in rubric.counted_tiers, rows))
    return Sheet(sections, rubric)


def fmt(points: float) -> str:
    """``25.0`` -> ``"25"``, ``21.43`` -> ``"21.43"``."""
    return f"{points:.2f}".rstrip("0").rstrip(".")
