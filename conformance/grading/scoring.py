"""Scores from test outcomes: each rubric group earns its points for the share of its rules
that held.

A rule (:mod:`conformance.rules`) is an aspect of one operation's answers (``POST /fit:
values``), or a declaration check (a test of what ``/openapi.json`` declares). Every test
reports the rules it judged and those it verified; a failed test reports the one rule it found
broken. A rule holds when verified and never broken. A rule
belongs to the group of its operation (the rubric's ``operations``), else to the group of the
test that judged it. So:

* a mistake costs points once, in its own group, whichever tests (documented, property,
  sequence, schemathesis) found it, and however many generated examples failed;
* a test blocked by a failed set-up request (``conformance.prerequisite``) costs nothing: the
  set-up's rule is judged in its own tests;
* a failed test is evidence about the rule it found broken and the rules it verified, nothing
  else: what it judged in another group than the broken rule's (a sequence that stopped at a
  crash of ``POST /items``, the sequence itself) counts there as blocked by that rule;
* a group none of whose rules was judged earns nothing, and says why (blocked, not tested),
  without claiming that anything failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.grading.rubric import Group, Rubric
from conformance.rules import DECLARATION, Rule

UNMATCHED_TITLE = "(tests in no rubric group)"


@dataclass
class Outcome:
    """What happened to one test: passed, failed, skipped or blocked; the rules it judged; and
    its student-facing text."""

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
    rules: list[str] = field(default_factory=list)
    """The rules the test judged (ids, see :mod:`conformance.rules`)."""
    verified: list[str] = field(default_factory=list)
    """The rules it found to hold."""
    blocked_by: str | None = None
    """For a blocked test: the operation whose set-up request failed."""

    @property
    def name(self) -> str:
        """The test's readable id: its parameter id when it has one, else its name."""
        name = self.key.partition("::")[2] or self.key
        if name.endswith("]") and "[" in name:
            return name[name.index("[") + 1 : -1]
        return name

    @property
    def function(self) -> str:
        """The test function's name, without its parameters: a declaration rule's id."""
        return (self.key.partition("::")[2] or self.key).split("[", 1)[0]

    @property
    def broken(self) -> str | None:
        """The rule a failed test found broken (its own name for a declaration check)."""
        if self.outcome != "failed":
            return None
        rule = self.failure.get("rule") if self.failure else None
        return str(rule) if rule else self.function

    @property
    def ran(self) -> bool:
        return self.outcome in ("passed", "failed")


@dataclass
class GroupScore:
    """One rubric group: its rules, which of them were judged and which broken, its points."""

    exercise: str
    tier: str
    title: str
    points: float
    group: Group | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    """The tests whose patterns put them in this group."""
    judged: set[str] = field(default_factory=set)
    """The rules of this group that some test judged."""
    verified: set[str] = field(default_factory=set)
    """The rules of this group that some test found to hold."""
    broken: dict[str, list[Outcome]] = field(default_factory=dict)
    """Each broken rule of this group, and the failed tests that found it (first first)."""
    stopped: list[Outcome] = field(default_factory=list)
    """Failed tests of this group (or that judged its rules) whose broken rule is another
    group's: they cost that group, and count here as blocked by it."""

    @property
    def id(self) -> str:
        return self.group.id if self.group else "unmatched"

    @property
    def group_operations(self) -> tuple[str, ...]:
        """The operations whose rules this group holds (none: a group of declaration checks,
        where each test is a rule)."""
        return self.group.operations if self.group else ()

    @property
    def passed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome == "passed"]

    @property
    def failed(self) -> list[Outcome]:
        """Every failed test charged to this group, broken rule by broken rule."""
        return [o for outcomes in self.broken.values() for o in outcomes]

    @property
    def blocked(self) -> list[Outcome]:
        """Tests blocked by a failed set-up request, or stopped by another group's rule."""
        return [o for o in self.outcomes if o.outcome == "blocked"] + self.stopped

    @property
    def ran(self) -> int:
        return len(self.passed) + len(self.failed)

    @property
    def checked(self) -> bool:
        """Whether any of its rules was judged (if not, it earns nothing: blocked, not run)."""
        return bool(self.judged)

    @property
    def held(self) -> int:
        """Rules verified by some check and broken by none (one judged but never verified,
        such as the values of answers whose keys are all wrong, does not hold)."""
        return len((self.verified & self.judged) - set(self.broken))

    @property
    def earned(self) -> float:
        if not self.judged:
            return 0.0
        return round(self.points * self.held / len(self.judged), 2)

    @property
    def visibility(self) -> str:
        return self.group.visibility if self.group else "visible"

    def first_failure(self) -> str:
        """One line: the first broken rule and where it differs, or why nothing counted."""
        for rule, outcomes in self.broken.items():
            first = outcomes[0]
            return f"{Rule.parse(rule).text}: {first.summary}" if first.summary else rule
        if self.group is None:
            return "tests in no group of the rubric are worth nothing"
        if self.judged:
            return ""
        if self.blocked:
            causes = sorted({blocked_cause(o) for o in self.blocked})
            return "not checked: blocked by " + ", ".join(causes)
        if not self.outcomes:
            return "not tested: no test of this group ran"
        return "not tested: every test of this group was skipped or deselected"


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

    @property
    def complete(self) -> bool:
        """Whether every group was checked (a run stopped early with -x leaves some out)."""
        return all(g.checked or g.blocked for g in self.groups if g.group is not None)


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
    """Charge each test's rules to their groups and score every exercise and tier that ran.

    The counted tiers of ``exercises`` appear even when none of their tests ran (a server
    that could not be tested still scores 0 out of the full points).
    """
    seen = [(e, t) for e in exercises for t in sorted(rubric.counted_tiers)]
    for outcome in outcomes:
        if (outcome.exercise, outcome.tier) not in seen:
            seen.append((outcome.exercise, outcome.tier))
    order = [(g.exercise, g.tier) for g in rubric.groups]
    seen.sort(key=lambda section: order.index(section) if section in order else len(order))
    sections = [
        _section(rubric, exercise, tier, [o for o in outcomes if (o.exercise, o.tier) == key])
        for key in seen
        for exercise, tier in (key,)
    ]
    return Sheet(sections, rubric)


def _section(rubric: Rubric, exercise: str, tier: str, outcomes: list[Outcome]) -> Section:
    rows = {
        g.id: GroupScore(exercise, tier, g.title, g.points, g)
        for g in rubric.groups_of(exercise, tier)
    }
    unmatched = GroupScore(exercise, tier, UNMATCHED_TITLE, 0.0)
    by_operation = {op: rows[g.id] for g in rubric.groups_of(exercise, tier) for op in g.operations}

    def home_of(outcome: Outcome) -> GroupScore | None:
        group = rubric.group_for(exercise, tier, outcome.key)
        return rows[group.id] if group else None

    def row_of(rule: str, home: GroupScore | None) -> GroupScore:
        parsed = Rule.parse(rule)
        if parsed.aspect != DECLARATION and parsed.operation in by_operation:
            return by_operation[parsed.operation]
        return home or unmatched

    for outcome in outcomes:
        home = home_of(outcome)
        if home is not None:
            home.outcomes.append(outcome)
        judged = list(outcome.rules) if outcome.ran else []
        verified = list(outcome.verified) if outcome.ran else []
        if outcome.ran and home is not None and not home.group_operations:
            judged.append(outcome.function)  # a declaration group: each test is a rule
            if outcome.outcome == "passed":
                verified.append(outcome.function)
        broken = outcome.broken
        if broken is not None:
            judged.append(broken)
        broken_row = row_of(broken, home) if broken is not None else None
        landed = False
        for rule in judged:
            row = row_of(rule, home)
            if row is unmatched:
                continue  # a rule of no group, judged by a test in no group: worth nothing
            if broken_row is not None and row is not broken_row and rule not in verified:
                if outcome not in row.stopped:
                    row.stopped.append(outcome)  # the other group's rule stopped the test
                continue
            row.judged.add(rule)
            if rule in verified:
                row.verified.add(rule)
            landed = True
        if broken is not None:
            row = row_of(broken, home)
            row.broken.setdefault(broken, []).append(outcome)
        if home is None and (not landed or (broken is not None and broken_row is unmatched)):
            unmatched.outcomes.append(outcome)  # listed, so a new test is never lost
    groups = list(rows.values()) + ([unmatched] if unmatched.outcomes else [])
    return Section(exercise, tier, tier in rubric.counted_tiers, groups)


def blocked_cause(outcome: Outcome) -> str:
    """What blocked a test: the operation whose set-up failed, or the other group's rule."""
    if outcome.outcome == "failed" and outcome.broken is not None:
        rule = Rule.parse(outcome.broken)
        return rule.text if rule.aspect == DECLARATION else rule.operation
    return outcome.blocked_by or "a set-up request"


def fmt(points: float) -> str:
    """``25.0`` -> ``"25"``, ``21.43`` -> ``"21.43"``."""
    return f"{points:.2f}".rstrip("0").rstrip(".")
