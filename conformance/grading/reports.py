"""Report files: Gradescope's results.json and a GitHub Classroom runner result.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level
``score`` (it overrides the sum of the tests), ``output``, and ``tests`` with ``name``,
``score``, ``max_score``, ``status``, ``output``, ``tags`` and ``visibility``.

GitHub Classroom: the autograding-grading-reporter action reads, for each runner id, the
environment variable ``<RUNNER>_RESULTS`` holding base64 JSON ``{version, status, max_score,
tests: [{name, status, score, message, ...}]}`` and sends Classroom "Points <sum of the tests'
score>/<sum of max_score>" (its notify-classroom.js), so a runner can carry partial credit.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from conformance.grading import tofix
from conformance.grading.scoring import GroupScore, Outcome, Sheet, blocked_cause, fmt

MAX_OUTPUT = 8000
"""Characters of feedback per group, so a pathological server cannot bloat the report."""


def group_feedback(row: GroupScore) -> str:
    """What the student reads for one group: its rules, then each broken rule with its first
    failure (as the terminal's summary shows it) and how many checks found it."""
    if row.group is None:
        names = ", ".join(o.key for o in row.outcomes[:10])
        return f"These tests match no rubric group, so they are worth no points: {names}"
    if not row.outcomes and not row.judged:
        return "No test of the suite matches this group (check the rubric's patterns)."
    if not row.checked:
        return f"Not checked ({fmt(row.earned)}/{fmt(row.points)}): {row.first_failure()}."
    lines = [f"{row.held} of {len(row.judged)} rules held ({fmt(row.earned)}/{fmt(row.points)})"]
    shown = tofix.rule_lines(row)
    if shown:
        lines += ["", *shown]
    text = "\n".join(lines)
    return text if len(text) <= MAX_OUTPUT else text[: MAX_OUTPUT - 20] + "\n... (cut short)"


def failure_data(outcome: Outcome, row: GroupScore | None = None) -> dict[str, Any]:
    """One failed test, as data for reports and pages: its name, the group it is charged to,
    the rule it broke, and the suite's failure fields (request, expected, got, where, kind,
    hint, history, curl...) when its own check failed; ``count``: how many checks of that
    group found the same rule broken the same way."""
    data: dict[str, Any] = {"test": outcome.name, "summary": outcome.summary}
    if outcome.failure is not None:
        data.update(outcome.failure)
    else:
        data["text"] = outcome.text
    data["rule"] = outcome.broken
    data.setdefault("kind", outcome.summary)
    if row is not None:
        data["group"] = row.id
        alike = row.broken.get(outcome.broken or "", [])
        data["count"] = sum(
            1 for o in alike if (o.failure or {}).get("kind", o.summary) == data["kind"]
        )
    return data


def summary(sheet: Sheet) -> str:
    """One paragraph for the top of a report: the score per exercise and tier."""
    lines = []
    for section in sheet.sections:
        note = "" if section.counted else " (reported separately, not part of the score)"
        lines.append(
            f"{section.exercise} {section.tier} tier: "
            f"{fmt(section.earned)}/{fmt(section.possible)}{note}"
        )
        if section.unmatched:
            lines.append(
                f"  {len(section.unmatched)} test(s) match no rubric group and earn nothing: "
                + ", ".join(o.key for o in section.unmatched[:5])
            )
    return "\n".join(lines) if lines else "No conformance test ran."


def gradescope(sheet: Sheet, *, output: str | None = None) -> dict[str, Any]:
    """Gradescope's results.json: one test per rubric group, counted tiers make the score."""
    tests = []
    for section in sheet.sections:
        for row in section.groups:
            name = f"{section.exercise} {row.title}"
            if not section.counted:
                name += f"  [{section.tier} tier, not counted]"
            tests.append(
                {
                    "name": name,
                    "score": row.earned if section.counted else 0.0,
                    "max_score": row.points if section.counted else 0.0,
                    "status": "passed" if row.checked and not row.broken else "failed",
                    "output": group_feedback(row),
                    "tags": [section.exercise, section.tier, row.id],
                    "visibility": row.visibility,
                    "extra_data": {
                        "earned": row.earned,
                        "points": row.points,
                        "failures": [failure_data(o, row) for o in row.failed],
                        "rules": sorted(row.judged),
                        "broken": list(row.broken),
                        "blocked": [
                            {"test": o.name, "blocked_by": blocked_cause(o)} for o in row.blocked
                        ],
                    },
                }
            )
    return {
        "score": sheet.score,
        "max_score": sheet.max_score,
        "output": output if output is not None else summary(sheet),
        "tests": tests,
        "extra_data": {
            "rubric": sheet.rubric.source,
            "sections": {
                f"{s.exercise}.{s.tier}": {"score": s.earned, "max_score": s.possible}
                for s in sheet.sections
            },
        },
    }


def gradescope_failure(message: str, max_score: float) -> dict[str, Any]:
    """A results.json for a submission that could not be graded at all: 0, and why."""
    return {
        "score": 0.0,
        "max_score": max_score,
        "output": message,
        "tests": [
            {
                "name": "the server starts and answers",
                "score": 0.0,
                "max_score": max_score,
                "status": "failed",
                "output": message,
                "visibility": "visible",
            }
        ],
    }


def classroom(results: dict[str, Any]) -> dict[str, Any]:
    """A GitHub Classroom runner result from a Gradescope report: same groups, same points."""
    tests = [
        {
            "name": test["name"],
            "status": "pass" if test.get("status") == "passed" else "fail",
            "score": test["score"],
            "message": test.get("output", ""),
            "test_code": "",
            "filename": "",
            "line_no": 0,
            "duration": 0,
        }
        for test in results["tests"]
        if test["max_score"] or test["score"]
    ]
    failed = any(t["status"] == "fail" for t in tests) or not tests
    return {
        "version": 1,
        "status": "fail" if failed else "pass",
        "max_score": results["max_score"],
        "tests": tests,
    }


def write_json(path: str | os.PathLike[str], data: dict[str, Any]) -> None:
    """Write ``data`` as UTF-8 JSON, creating the folder; atomic, so no half-written report."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(target)


def github_output_line(results: dict[str, Any], name: str = "result") -> str:
    """``result=<base64 JSON>`` for $GITHUB_OUTPUT, as the Classroom grader actions write it."""
    encoded = base64.b64encode(json.dumps(classroom(results)).encode()).decode("ascii")
    return f"{name}={encoded}\n"
