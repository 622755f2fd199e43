"""The rubric: points per group of tests, for each exercise and tier, read from TOML.

The default rubric is every registered exercise's own table (``rubrics/ex1.toml``, ...,
named by the registry); a teacher passes their own with ``--rubric``. Tests are matched to
groups by glob patterns over their *test key*, ``"<file name>::<test name>"``, so a test added
later falls into its endpoint's group.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from conformance import registry

TIERS = ("documented", "robust")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
GROUP_KEYS = {"id", "title", "points", "tests", "visibility", "operations"}


class RubricError(ValueError):
    """The rubric file is not valid; the message says where."""


def test_key(nodeid: str) -> str:
    """``"dir/test_ex1_add.py::test_add[2+3]"`` -> ``"test_ex1_add.py::test_add[2+3]"``."""
    path, sep, rest = nodeid.partition("::")
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{name}{sep}{rest}"


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A glob where only ``*`` and ``?`` are special (test ids contain brackets)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class Group:
    """One row of the score table: a set of tests worth ``points`` together."""

    exercise: str
    tier: str
    id: str
    title: str
    points: float
    tests: tuple[str, ...]
    visibility: str = "visible"
    operations: tuple[str, ...] = ()
    """The operations (``"POST /fit"``) whose rules this group holds: a broken rule of one of
    them costs this group's points, whichever test found it (see ``scoring``)."""
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)

    def matches(self, key: str) -> bool:
        return any(regex.fullmatch(key) for regex in self._compiled)

    @property
    def label(self) -> str:
        return f"{self.exercise} {self.title}"


@dataclass(frozen=True)
class Rubric:
    """All groups, in file order, and which tiers count towards the score."""

    groups: tuple[Group, ...]
    counted_tiers: frozenset[str]
    source: str

    def group_for(self, exercise: str, tier: str, key: str) -> Group | None:
        """The first group of this exercise and tier that matches ``key``, if any."""
        for group in self.groups:
            if group.exercise == exercise and group.tier == tier and group.matches(key):
                return group
        return None

    def groups_of(self, exercise: str, tier: str) -> list[Group]:
        return [g for g in self.groups if g.exercise == exercise and g.tier == tier]

    def possible(self, exercise: str, tier: str) -> float:
        return sum(g.points for g in self.groups_of(exercise, tier))


def load(path: str | None = None) -> Rubric:
    """Read and check a rubric file (the default rubric when ``path`` is None)."""
    if path:
        return _load_file(Path(path))
    tables = [_load_file(exercise.rubric_table) for exercise in registry.exercises()]
    groups = tuple(group for table in tables for group in table.groups)
    counted = frozenset().union(*(table.counted_tiers for table in tables))
    return Rubric(groups, counted or frozenset({"documented"}), "the built-in rubric")


@cache
def _load_file(where: Path) -> Rubric:
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as error:
        raise RubricError(f"rubric {where}: cannot read it ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"rubric {where}: not valid TOML: {error}") from None
    return parse(data, str(where))


def parse(data: dict[str, Any], source: str = "<rubric>") -> Rubric:
    """Build a rubric from parsed TOML, with a clear error for anything malformed."""
    known = registry.names()
    unknown = set(data) - {"version", "counted_tiers", *known}
    if unknown:
        raise RubricError(f"rubric {source}: unknown top-level key(s) {sorted(unknown)}")
    counted = data.get("counted_tiers", ["documented"])
    if not isinstance(counted, list) or not set(counted) <= set(TIERS):
        raise RubricError(f"rubric {source}: counted_tiers must be a list of {list(TIERS)}")
    groups: list[Group] = []
    for exercise in known:
        tiers = data.get(exercise, {})
        if not isinstance(tiers, dict) or not set(tiers) <= set(TIERS):
            raise RubricError(f"rubric {source}: [{exercise}] may only hold {list(TIERS)}")
        for tier, entries in tiers.items():
            if not isinstance(entries, list):
                raise RubricError(f"rubric {source}: use [[{exercise}.{tier}]] tables")
            for index, entry in enumerate(entries):
                where = f"rubric {source}: [[{exercise}.{tier}]] #{index + 1}"
                groups.append(_group(exercise, tier, entry, where))
    ids = [(g.exercise, g.tier, g.id) for g in groups]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RubricError(f"rubric {source}: duplicate group ids {duplicates}")
    return Rubric(tuple(groups), frozenset(counted), source)


def _group(exercise: str, tier: str, entry: Any, where: str) -> Group:
    if not isinstance(entry, dict):
        raise RubricError(f"{where}: not a table")
    unknown = set(entry) - GROUP_KEYS
    if unknown:
        raise RubricError(f"{where}: unknown key(s) {sorted(unknown)}")
    missing = {"id", "points", "tests"} - set(entry)
    if missing:
        raise RubricError(f"{where}: missing {sorted(missing)}")
    points = entry["points"]
    if isinstance(points, bool) or not isinstance(points, int | float) or points < 0:
        raise RubricError(f"{where}: points must be a number >= 0, not {points!r}")
    tests = entry["tests"]
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) for t in tests):
        raise RubricError(f"{where}: tests must be a non-empty list of patterns")
    visibility = entry.get("visibility", "visible")
    if visibility not in VISIBILITIES:
        raise RubricError(f"{where}: visibility must be one of {list(VISIBILITIES)}")
    operations = entry.get("operations", [])
    if not isinstance(operations, list) or not all(
        isinstance(o, str) and re.fullmatch(r"[A-Z]+ /\S*", o) for o in operations
    ):
        raise RubricError(f'{where}: operations must be a list like ["POST /fit"]')
    return Group(
        exercise=exercise,
        tier=tier,
        id=str(entry["id"]),
        title=str(entry.get("title", entry["id"])),
        points=float(points),
        tests=tuple(tests),
        visibility=visibility,
        operations=tuple(operations),
        _compiled=tuple(compile_glob(t) for t in tests),
    )


def to_toml(loaded: Rubric) -> str:
    """The rubric as one TOML text that :func:`parse` reads back to the same groups (a shard's
    manifest carries it, so that ``merge`` scores with exactly the rubric that graded)."""
    lines = ["version = 1", f"counted_tiers = {json.dumps(sorted(loaded.counted_tiers))}"]
    for group in loaded.groups:
        lines += [
            "",
            f"[[{group.exercise}.{group.tier}]]",
            f"id = {json.dumps(group.id)}",
            f"title = {json.dumps(group.title)}",
            f"points = {group.points!r}",
            f"tests = {json.dumps(list(group.tests))}",
            f"visibility = {json.dumps(group.visibility)}",
            f"operations = {json.dumps(list(group.operations))}",
        ]
    return "\n".join(lines) + "\n"
