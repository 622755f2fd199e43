"""What a student reads first: one entry per broken rule, its first failure, and a hint.

Every failed check names the rule it found broken (``conformance.rules``); checks that found
the same rule broken the same way (the same kind of difference) are one entry with a count.
Bodies are cut as in every failure message; a sequence of requests is one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.failure import shorten
from conformance.grading.scoring import GroupScore, Outcome, Section, Sheet, fmt
from conformance.rules import Rule

SHOWN_STEPS = 4
"""Earlier requests of a sequence named in a summary entry (the last ones)."""


def entries(row: GroupScore) -> Iterator[tuple[str, Outcome, int, int]]:
    """Each broken rule of the group: (rule, its first failed check, how many checks found
    the same difference, how many found another)."""
    for rule, outcomes in row.broken.items():
        first = outcomes[0]
        kind = _kind(first)
        same = sum(1 for o in outcomes if _kind(o) == kind)
        yield rule, first, same, len(outcomes) - same


def _kind(outcome: Outcome) -> str:
    failure = outcome.failure or {}
    return str(failure.get("kind") or outcome.summary)


def failure_lines(outcome: Outcome, indent: str = "  ") -> list[str]:
    """A failed check in a few lines: request, earlier requests, expected, got, where, hint,
    curl. A failure that is not the suite's own (a crash in a test) shows its first line."""
    failure = outcome.failure
    if failure is None:
        first = next((line for line in outcome.text.splitlines() if line.strip()), outcome.name)
        return [indent + shorten(first.strip(), 200)]
    lines = []
    request = failure.get("request")
    if isinstance(request, dict):
        line = f"{request.get('method')} {shorten(str(request.get('url')), 200)}"
        body = str(request.get("body") or "")
        if body:
            line += f"  body: {shorten(body, 160)}"
        lines.append(line)
    if failure.get("slide"):
        lines.append(f"  (lecture: {failure['slide']!r})")
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
    if failure.get("curl"):
        lines.append(f"reproduce: {shorten(str(failure['curl']), 400)}")
    return [indent + line for line in lines]


def _step(exchange: Any) -> str:
    sent = exchange.get("sent", {}) if isinstance(exchange, dict) else {}
    path = str(sent.get("url", "")).split("//", 1)[-1].partition("/")[2]
    return f"{sent.get('method')} /{shorten(path, 40)} -> {exchange.get('status')}"


def rule_lines(row: GroupScore, width: int = 100) -> list[str]:
    """The entries of one group: each broken rule, what it costs, its first failure."""
    lines: list[str] = []
    cost = row.points / len(row.judged) if row.judged else 0.0
    for rule, first, same, other in entries(row):
        head = f"- {Rule.parse(rule).text}"
        lines.append(f"{head}  [{row.title.split('  ')[0]}: -{fmt(round(cost, 2))}]")
        lines += failure_lines(first, "    ")
        counts = []
        if same > 1:
            counts.append(f"the same difference in {same - 1} more check(s)")
        if other:
            counts.append(f"{other} check(s) of this rule differ in another way")
        if counts:
            lines.append("    (" + "; ".join(counts) + ")")
    return lines


def blocked_lines(section: Section) -> list[str]:
    """One line per set-up that blocked checks of other groups."""
    causes: dict[str, int] = {}
    for row in section.groups:
        for outcome in row.blocked:
            cause = outcome.blocked_by or "a set-up request"
            causes[cause] = causes.get(cause, 0) + 1
    return [
        f"- {count} check(s) could not run: their set-up request to {cause} failed "
        "(judged once, by its own rule)"
        for cause, count in sorted(causes.items())
    ]


def render(sheet: Sheet, width: int = 100) -> list[str]:
    """The whole summary: for each section with a broken rule or a blocked check, its entries."""
    lines: list[str] = []
    for section in sheet.sections:
        found = [line for row in section.groups for line in rule_lines(row, width)]
        blocked = blocked_lines(section)
        if not found and not blocked:
            continue
        broken = sum(len(row.broken) for row in section.groups)
        lines.append(f"{section.exercise} {section.tier} tier: {broken} rule(s) broken")
        lines += found + blocked
    return lines
