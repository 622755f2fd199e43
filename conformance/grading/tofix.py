"""What a student reads first: one entry per broken rule, its first failure, and a hint.

Every failed check names the rule it found broken (``conformance.rules``); checks that found
the same rule broken the same way (the same kind of difference) are one entry with a count.
Bodies are cut as in every failure message; a sequence of requests is one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.failure import before_this_test, shorten
from conformance.grading.scoring import GroupScore, Outcome, Section, Sheet, blocked_cause, fmt
from conformance.rules import Rule

SHOWN_STEPS = 4
"""Earlier requests of a sequence named in a summary entry (the last ones)."""

FULL_ENTRIES = 3
"""Kinds of difference a section shows in full; the rest get a line each (--tb=short shows
every failed check in full)."""

LINES = 25
"""Lines a section's summary may take (its title and its blocked checks included): a kind of
difference that would not fit in full gets a line, as past :data:`FULL_ENTRIES`."""

CONTINUED = 4
"""Indented lines shown after the first line of a failure that is not the suite's own (the
requests ``--audit-checks`` found unjudged)."""

ALSO_BROKEN = 6
"""Other rules named under a kind shown in full; past them, a count (a server that stopped
answering breaks every rule the same way: the student reads the cause, not forty names)."""


@dataclass(frozen=True)
class Entry:
    """One broken rule: its group, what it costs, the check shown, and the counts."""

    rule: str
    row: GroupScore
    shown: Outcome
    same: int
    other: int

    @property
    def head(self) -> str:
        cost = self.row.points / len(self.row.judged) if self.row.judged else 0.0
        group = self.row.title.split("  ")[0]
        return f"{Rule.parse(self.rule).text}  [{group}: -{fmt(round(cost, 2))}]"

    def lines(self) -> list[str]:
        lines = [f"- {self.head}", *failure_lines(self.shown, "    ")]
        counts = []
        if self.same > 1:
            counts.append(f"the same difference in {self.same - 1} more check(s)")
        if self.other:
            counts.append(f"{self.other} check(s) of this rule differ in another way")
        if counts:
            lines.append("    (" + "; ".join(counts) + ")")
        return lines


def entries(row: GroupScore) -> Iterator[Entry]:
    """Each broken rule of the group, with the check that shows it best."""
    for rule, outcomes in row.broken.items():
        kind = _kind(outcomes[0])
        alike = [o for o in outcomes if _kind(o) == kind]
        # The shortest of them shows the difference best (four rows rather than a hundred).
        shown = min(alike, key=lambda o: len(o.text or o.summary))
        yield Entry(rule, row, shown, len(alike), len(outcomes) - len(alike))


def _kind(outcome: Outcome) -> str:
    failure = outcome.failure or {}
    return str(failure.get("kind") or outcome.summary)


def failure_lines(outcome: Outcome, indent: str = "  ") -> list[str]:
    """A failed check in a few lines: request, earlier requests, expected, got, where, hint,
    curl. A failure that is not the suite's own (a crash in a test) shows its first line and
    the indented lines that go on with it."""
    failure = outcome.failure
    if failure is None:  # its first line, and the indented lines that go on with it
        text = [line for line in outcome.text.splitlines() if line.strip()] or [outcome.name]
        going_on: list[str] = []
        for line in text[1 : 1 + CONTINUED]:
            if not line.startswith((" ", "\t")):
                break
            going_on.append(indent + "  " + shorten(line.strip(), 200))
        return [indent + shorten(text[0].strip(), 200), *going_on]
    lines = []
    request = failure.get("request")
    if isinstance(request, dict):
        line = f"{request.get('method')} {shorten(str(request.get('url')), 200)}"
        body = str(request.get("body") or "")
        if body:
            line += f"  body: {shorten(body, 160)}"
        if failure.get("slide"):
            line += f"  (lecture: {failure['slide']!r})"
        lines.append(line)
    before = before_this_test(failure.get("prelude"))
    if before:
        lines.append(shorten(before, 200))
    history = failure.get("history") or []
    if history:
        steps = [_step(exchange) for exchange in history[-SHOWN_STEPS:]]
        earlier = len(history) - len(steps)
        lead = f"after {len(history)} earlier requests" if len(history) > 1 else "after"
        more = "..., " if earlier else ""
        lines.append(shorten(f"{lead}: {more}{', '.join(steps)}", 200))
    lines.append(f"expected {failure.get('expected')}")
    lines.append(f"got      {failure.get('got')}")
    lines.append(f"differs at {failure.get('where')}")
    if failure.get("hint"):
        lines.append(f"hint: {failure['hint']}")
    # At the base URL the student gave (--shown-base-url), never a grader's temporary port.
    if failure.get("curl"):
        lines.append(f"reproduce: {shorten(str(failure['curl']), 400)}")
    return [indent + line for line in lines]


def _step(exchange: Any) -> str:
    sent = exchange.get("sent", {}) if isinstance(exchange, dict) else {}
    path = str(sent.get("url", "")).split("//", 1)[-1].partition("/")[2]
    return f"{sent.get('method')} /{shorten(path, 40)} -> {exchange.get('status')}"


def rule_lines(row: GroupScore, width: int = 100) -> list[str]:
    """The entries of one group: each broken rule, what it costs, its first failure."""
    return [line for entry in entries(row) for line in entry.lines()]


def section_lines(section: Section, budget: int = LINES - 1) -> list[str]:
    """The entries of a section, most telling first: a broken rule in full, and the other
    rules broken by the same kind of difference (one mistake: a handler that turns every
    422 into 400) on a line each below it; past :data:`FULL_ENTRIES` kinds, or past the
    ``budget`` of lines, a line each."""
    found = [entry for row in section.groups for entry in entries(row)]
    kinds: dict[str, list[Entry]] = {}
    for entry in found:
        kinds.setdefault(_kind(entry.shown), []).append(entry)
    groups = list(kinds.values())
    lines: list[str] = []
    for number, alike in enumerate(groups):
        full = _in_full(alike)
        short = _in_short(alike)
        after = sum(len(_in_short(rest)) for rest in groups[number + 1 :])
        if number < FULL_ENTRIES and len(lines) + len(full) + after <= budget:
            lines += full
        else:
            lines += short
    return lines


def _in_full(alike: list[Entry]) -> list[str]:
    lead, *others = alike
    lines = lead.lines()
    lines += [f"    the same difference also breaks: {o.head}" for o in others[:ALSO_BROKEN]]
    if len(others) > ALSO_BROKEN:
        lines.append(f"    ... and {len(others) - ALSO_BROKEN} more rule(s) broken the same way")
    return lines


def _in_short(alike: list[Entry]) -> list[str]:
    lead, *others = alike
    where = (lead.shown.failure or {}).get("where") or lead.shown.summary
    return [f"- {lead.head}: {shorten(str(where), 120)}"] + [
        f"- {o.head}: the same" for o in others
    ]


def blocked_lines(section: Section) -> list[str]:
    """One line per set-up that blocked checks of other groups, and per broken rule that
    stopped checks of other groups."""
    setups: dict[str, int] = {}
    stops: dict[str, int] = {}
    seen: set[str] = set()
    for row in section.groups:
        for outcome in row.blocked:
            if outcome.nodeid in seen:
                continue  # stopped in two groups: one check
            seen.add(outcome.nodeid)
            counts = setups if outcome.outcome == "blocked" else stops
            cause = blocked_cause(outcome)
            counts[cause] = counts.get(cause, 0) + 1
    lines = [
        f"- {count} check(s) could not run: their set-up request to {cause} failed "
        "(judged once, by its own rule)"
        for cause, count in sorted(setups.items())
    ]
    lines += [
        f"- {count} check(s) of other groups stopped at {cause} (judged once, by its own rule)"
        for cause, count in sorted(stops.items())
    ]
    return lines


def render(sheet: Sheet, width: int = 100) -> list[str]:
    """The whole summary: for each section with a broken rule or a blocked check, its entries."""
    lines: list[str] = []
    for section in sheet.sections:
        blocked = blocked_lines(section)
        found = section_lines(section, LINES - 1 - len(blocked))
        if not found and not blocked:
            continue
        broken = sum(len(row.broken) for row in section.groups)
        lines.append(f"{section.exercise} {section.tier} tier: {broken} rule(s) broken")
        lines += found + blocked
    return lines
