"""Grading a class: a name per submission, a progress bar, the final table and the CSV."""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from conformance.grader import roster
from conformance.grading.rubric import Group
from conformance.grading.scoring import fmt

if TYPE_CHECKING:
    from conformance.grader.job import Result


def names(apps: Sequence[str]) -> list[str]:
    """A short, unique, file-safe name per app: its path after the common folder.

    ``submissions/alice/ex1/app.py`` and ``submissions/bob/ex1/app.py`` -> ``alice-ex1``,
    ``bob-ex1``.
    """
    parts = [_parts(app) for app in apps]
    common = _common_prefix(parts) if len(parts) > 1 else []
    chosen = []
    for app, path in zip(apps, parts, strict=True):
        rest = path[len(common) :] or path[-1:] or [app]
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(rest)).strip("-_.") or "app"
        chosen.append(name)
    seen: dict[str, int] = {}
    unique = []
    for name in chosen:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if chosen.count(name) == 1 else f"{name}-{seen[name]}")
    return unique


def _common_prefix(parts: list[list[str]]) -> list[str]:
    common: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    return common


def _parts(app: str) -> list[str]:
    path = Path(app)
    if path.suffix == ".py":
        path = path.parent if path.stem == "app" else path.with_suffix("")
    return [p for p in path.parts if p not in {"/", "."}] if ":" not in app else [app]


class Progress:
    """A plain-text progress bar on a terminal; one line per app anywhere else."""

    def __init__(self, total: int, stream: TextIO, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self.lock = threading.Lock()
        self._draw("")

    def advance(self, message: str) -> None:
        with self.lock:
            self.done += 1
            self._draw(message)

    def _draw(self, message: str) -> None:
        filled = self.width * self.done // max(self.total, 1)
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}"
        if self.tty:
            self.stream.write(f"\r\x1b[K{bar}  {message[:60]}")
        elif message:
            self.stream.write(f"{bar}  {message}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def table(results: Sequence[Result]) -> list[str]:
    """The final table: each submission's score and status, then the class average."""
    width = max([len(r.name) for r in results] + [10])
    lines = [f"{'submission':<{width}}  {'score':>13}  status"]
    for r in results:
        lines.append(f"{r.name:<{width}}  {fmt(r.score):>6} / {fmt(r.max_score):<4}  {r.status}")
    if results:
        mean = sum(r.score for r in results) / len(results)
        lines.append(f"{'mean':<{width}}  {fmt(round(mean, 2)):>6}")
    return lines


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP "CSV injection")."""


def inert(value: object) -> str:
    """A cell a spreadsheet shows as text: a path a student chose (a folder named
    ``=HYPERLINK(...)``) gets a leading ``'``, as OWASP advises; any other value is kept."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_csv(
    path: Path,
    results: Sequence[Result],
    groups: Sequence[Group],
    students: Sequence[roster.Student] | None = None,
) -> None:
    """One row per submission: name, score, status, report, and each group's points.

    With a roster (``students``), each row starts with its student's id, name and e-mail (one
    row per student of a shared folder), and every student whose folder has no submission
    gets a row too, scored 0, status "no submission"."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["submission", "app", "score", "max_score", "status", "report", "seed"]
    header += [f"{g.tier}:{g.id}" for g in groups]
    max_score = max((r.max_score for r in results), default=0.0)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        if students is None:
            writer.writerow(header)
            for r in results:
                writer.writerow(_cells(r, groups))
            return
        writer.writerow([*roster.COLUMNS[:3], *header])
        for row in roster.join(results, students):
            person = [inert(c) for c in row.student.cells()] if row.student else ["", "", ""]
            if row.result is not None:
                writer.writerow(person + _cells(row.result, groups))
            else:
                assert row.student is not None
                missing = [inert(row.student.folder), "", "0", fmt(max_score), "no submission"]
                writer.writerow(person + missing + ["", ""] + ["0"] * len(groups))


def _cells(r: Result, groups: Sequence[Group]) -> list[str]:
    earned = {
        tuple(t["tags"][1:3]): t.get("score", 0.0)
        for t in r.results.get("tests", [])
        if len(t.get("tags", [])) >= 3
    }
    return (
        [r.name, inert(r.app), fmt(r.score), fmt(r.max_score), r.status, inert(r.report)]
        + [str(r.results.get("extra_data", {}).get("seed", ""))]
        + [fmt(earned.get((g.tier, g.id), 0.0)) for g in groups]
    )
