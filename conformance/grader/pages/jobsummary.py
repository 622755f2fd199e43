"""A Markdown job summary for GitHub Actions: the score table and the most common failures.

Appended to the file named by ``GITHUB_STEP_SUMMARY`` when that variable is set (GitHub sets it
in every step), and nothing otherwise. GitHub renders Markdown and HTML in a summary: links,
images (a tracking pixel), autolinked addresses, mentions. So every string from a student
(a name, a kind of difference, a hint quoting what their server sent) is a literal code span
(``untrusted.markdown_code``), and the grader's own text is HTML- and pipe-escaped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import escape

from conformance.grader.pages import classdata, untrusted
from conformance.grading.scoring import fmt

if TYPE_CHECKING:
    from conformance.grader.job import Result

CELL = 160
"""Characters of a student's text shown in one table cell."""


def cell(text: object) -> str:
    """One Markdown table cell of the grader's own text: one line, HTML escaped, pipes
    escaped, clipped. Student text goes in :func:`code` instead."""
    line = untrusted.line(text, CELL)
    return str(escape(line)).replace("|", "\\|").replace("`", "&#96;")


def code(text: object) -> str:
    """One table cell of student text: a literal code span, nothing in it rendered."""
    return untrusted.markdown_code(text, CELL)


def markdown(exercise: str, results: Sequence[Result]) -> str:
    data = classdata.build(None, exercise, results)
    columns = data.columns
    lines = [
        f"### {cell(exercise)}: conformance grades",
        "",
        f"{len(data.students)} student(s) · mean {fmt(data.mean)} / {fmt(data.max_score)}"
        f" · median {fmt(data.median)}",
        "",
        "| student | total | " + " | ".join(cell(c.short) for c in columns) + " | status |",
        "|---|---:|" + "---:|" * len(columns) + "---|",
    ]
    for s in data.students:
        points = [s.earned(c.key) for c in columns]
        shown = [fmt(p) if p is not None else "-" for p in points]
        row = [code(s.name), fmt(s.score), *shown, cell(s.label)]
        lines.append("| " + " | ".join(row) + " |")
    common = data.common_failures()
    if common:
        lines += [
            "",
            "#### Most common failures",
            "",
            "| students | group | what differs | likely cause | checks |",
            "|---:|---|---|---|---:|",
        ]
        for item in common:
            hint = code(item.hint) if item.hint else ""
            row = [str(len(item.who)), cell(item.group), code(item.kind), hint, str(item.checks)]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n\n"


def append(exercise: str, results: Sequence[Result]) -> None:
    """Append the summary to ``$GITHUB_STEP_SUMMARY``, when it is set."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as out:
            out.write(markdown(exercise, results))
    except OSError as error:  # a summary that cannot be written costs only the summary
        print(f"conformance grade: could not write $GITHUB_STEP_SUMMARY: {error}", file=sys.stderr)
