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

from conformance.grading.scoring import GroupScore, Outcome, Sheet, fmt

MAX_FAILURES_SHOWN = 5
"""Failing tests whose whole message a group's feedback shows; the rest are listed by name."""

MAX_OUTPUT = 8000
"""Characters of feedback per group, so a pathological server cannot bloat the report."""


def group_feedback(row: GroupScore) -> str:
    """What the student reads for one group: a count, then each failure's full message."""
    if not row.outcomes:
        return "No test of the suite matches this group (check the rubric's patterns)."
    lines = [f"{len(row.passed)} of {row.ran} checks passed ({fmt(row.earned)}/{fmt(row.points)})"]
    if row.group is None:
        lines.append("These tests match no rubric group, so they are worth no points.")
    for outcome in row.failed[:MAX_FAILURES_SHOWN]:
        lines += ["", f"--- {outcome.name}", outcome.text.rstrip() or outcome.summary]
    rest = row.failed[MAX_FAILURES_SHOWN:]
    if rest:
        lines += ["", f"... and {len(rest)} more failing: " + ", ".join(o.name for o in rest)]
    text = "\n".join(lines)
    return text if len(text) <= MAX_OUTPUT else text[: MAX_OUTPUT - 20] + "\n... (cut short)"


def failure_data(outcome: Outcome) -> dict[str, Any]:
    """One failed test, as data for reports and pages: its name, and the suite's failure fields
    (request, expected, got, where, history, curl, replay...) when its own check failed."""
    data: dict[str, Any] = {"test": outcome.name, "summary": outcome.summary}
    if outcome.failure is not None:
        data.update(outcome.failure)
    else:
        data["text"] = outcome.text
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
                    "status": "passed" if row.ran and not row.failed else "failed",
                    "output": group_feedback(row),
                    "tags": [section.exercise, section.tier, row.id],
                    "visibility": row.visibility,
                    "extra_data": {
                        "earned": row.earned,
                        "points": row.points,
                        "failures": [failure_data(o) for o in row.failed],
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
