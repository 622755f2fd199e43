"""A class roster: who each submission folder belongs to, joined into grades.csv.

A roster is a CSV file with a header and one row per student: ``student_id``, ``name``,
``email`` and ``folder``, the student's folder in the submissions (``submissions/<folder>/ex1``).
Only ``folder`` is required; other spellings of the headers are understood too (``SID``,
``E-mail``...), so GitHub Classroom's roster export (``identifier``, ``github_username``,
``name``) is a roster as it is. ``conformance collect`` writes one. Several students may share
a folder (a group submission); each gets the folder's grade.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from conformance import registry

if TYPE_CHECKING:
    from conformance.grader.job import Result

COLUMNS = ("student_id", "name", "email", "folder")
"""The roster's columns, as ``conformance collect`` writes them and grades.csv shows them."""

ALIASES = {
    "student_id": ("student_id", "student id", "sid", "id", "identifier", "student"),
    "name": ("name", "full name", "full_name"),
    "email": ("email", "e-mail", "email address"),
    "folder": ("folder", "github_username", "github username", "username"),
}
"""Header names read as each column (compared without case or surrounding spaces)."""

MAX_BYTES = 10 * 1024 * 1024
"""A roster larger than this is refused (a class is a few thousand lines at most)."""


class RosterError(Exception):
    """The roster cannot be read; the message says why."""


@dataclass(frozen=True, order=True)
class Student:
    """One row of the roster."""

    folder: str
    student_id: str = ""
    name: str = ""
    email: str = ""

    def cells(self) -> list[str]:
        return [self.student_id, self.name, self.email]


def read(path: Path) -> list[Student]:
    """The roster's rows; a RosterError names what is wrong (never a traceback)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise RosterError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"{path}: cannot be read ({error})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RosterError(f"{path}: empty; it needs a header and a row per student")
    header = [cell.strip().lower() for cell in rows[0]]
    where = {
        column: next((header.index(a) for a in names if a in header), None)
        for column, names in ALIASES.items()
    }
    if where["folder"] is None:
        raise RosterError(
            f"{path}: no folder column (the student's folder in the submissions); its header "
            f"is {rows[0]}, and the columns are {', '.join(COLUMNS)}"
        )
    students = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {
            column: row[index].strip() if index is not None and index < len(row) else ""
            for column, index in where.items()
        }
        if not values["folder"]:
            raise RosterError(f"{path}, line {number}: no folder for {row}")
        students.append(Student(**values))
    return students


def write(path: Path, students: Iterable[Student]) -> None:
    """Write a roster (sorted by folder, no row twice), as ``read`` reads it. A cell a
    spreadsheet would run as a formula (a name a student typed) is written as text."""
    from conformance.grader.classlist import inert

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for s in sorted(set(students)):
            writer.writerow([inert(s.student_id), inert(s.name), inert(s.email), s.folder])


def folder_of(app: str) -> str:
    """The student's folder of a submission: ``submissions/alice/ex1/app.py`` -> ``alice``
    (the last folder of the path that is neither ``app.py`` nor an exercise's name)."""
    parts = [p for p in Path(app).parts if p not in {"/", ".", ".."}]
    if parts and parts[-1].endswith(".py"):
        parts = parts[:-1] if parts[-1] == "app.py" else [*parts[:-1], Path(parts[-1]).stem]
    while len(parts) > 1 and parts[-1] in registry.names():
        parts.pop()
    return parts[-1] if parts else app


@dataclass(frozen=True)
class GradeRow:
    """One line of grades.csv with a roster: a student, their folder's result, or either."""

    student: Student | None
    result: Result | None


def join(results: Sequence[Result], students: Sequence[Student]) -> list[GradeRow]:
    """Each result with its students (one row each; none: a row without a student), then the
    students whose folder has no result."""
    by_folder: dict[str, list[Student]] = {}
    for student in students:
        by_folder.setdefault(student.folder, []).append(student)
    rows: list[GradeRow] = []
    seen: set[str] = set()
    for result in results:
        folder = folder_of(result.app)
        seen.add(folder)
        rows += [GradeRow(s, result) for s in by_folder.get(folder, [])] or [GradeRow(None, result)]
    missing = sorted(s for s in students if s.folder not in seen)
    return rows + [GradeRow(s, None) for s in missing]


def unknown(results: Sequence[Result], students: Sequence[Student]) -> list[str]:
    """The submissions whose folder no roster row names."""
    folders = {s.folder for s in students}
    return [r.name for r in results if folder_of(r.app) not in folders]


def say_unknown(results: Sequence[Result], students: Sequence[Student]) -> None:
    """Name on stderr the submissions the roster does not know (their rows have no student)."""
    names = unknown(results, students)
    if names:
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        print(f"not in the roster: {', '.join(names[:10])}{more}", file=sys.stderr)
