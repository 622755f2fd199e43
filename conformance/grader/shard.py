"""`conformance grade ... --shard K/N`: which part of a class one machine grades.

The cut depends on the submissions' names only (``classlist.names`` of the whole list, the
names the CSV shows): the names are sorted and dealt out round-robin, the first to shard 1,
the second to shard 2, ... So the order the paths are given in does not matter, shards differ
in size by at most one, and ``1/N`` ... ``N/N`` together hold every submission exactly once.
``1/1`` is the whole class. A shard may be empty when N exceeds the class size.

Next to the reports, each shard leaves a manifest, ``_shard.json`` (no submission can be
named so: names never start with ``_``): the exercise, the rubric's text, the whole class and
what happened to each submission of this shard, which ``conformance merge`` needs to rebuild
the class CSV exactly as an unsharded run writes it.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.grader import classlist
from conformance.grading import reports, rubric

if TYPE_CHECKING:
    from conformance.grader.job import Result

MANIFEST = "_shard.json"
FORMAT = "conformance-shard/2"
"""Version 2 records the seed."""


@dataclass(frozen=True)
class Shard:
    """Part ``index`` (1-based) of ``count`` parts."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/3"`` -> ``Shard(2, 3)``; an argparse type, so a bad value is a usage error
        (exit 2)."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise argparse.ArgumentTypeError(f"{text!r} is not K/N (e.g. 2/3: the 2nd of 3 parts)")
        index, count = int(match[1]), int(match[2])
        if count < 1 or not 1 <= index <= count:
            raise argparse.ArgumentTypeError(f"{text!r}: K/N needs N >= 1 and 1 <= K <= N")
        return cls(index, count)

    def __str__(self) -> str:
        """The shard as ``--shard`` takes it: ``2/3``."""
        return f"{self.index}/{self.count}"

    def pick(self, apps: Sequence[str]) -> list[tuple[str, str]]:
        """This shard's ``(app, name)`` pairs, named as in a run over all of ``apps``."""
        ordered = sorted(zip(classlist.names(apps), apps, strict=True))
        return [
            (app, name) for i, (name, app) in enumerate(ordered) if i % self.count == self.index - 1
        ]


def select(apps: Sequence[str], shard: Shard | None) -> list[tuple[str, str]]:
    """The ``(app, name)`` pairs to grade: all, in the given order, or one shard's."""
    if shard is None:
        return list(zip(apps, classlist.names(apps), strict=True))
    return shard.pick(apps)


def write_manifest(
    folder: Path,
    shard: Shard,
    exercise: str,
    rubric_path: str | None,
    apps: Sequence[str],
    graded: Sequence[Result],
    seed: int,
) -> Path:
    """Write ``folder/_shard.json`` (its path is returned): what ``merge`` needs besides the
    reports, namely the class, the rubric, the seed (every shard must grade with the same
    inputs) and each result's status."""
    loaded = rubric.load(rubric_path)
    everyone = sorted(zip(classlist.names(apps), apps, strict=True))
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "exercise": exercise,
        "shard": {"index": shard.index, "count": shard.count},
        "seed": seed,
        "rubric": {"source": loaded.source, "text": rubric.to_toml(loaded)},
        "class": [{"name": name, "app": app} for name, app in everyone],
        "graded": [
            {"name": r.name, "app": r.app, "status": r.status, "report": Path(r.report).name}
            for r in sorted(graded, key=lambda r: r.name)
        ],
    }
    path = folder / MANIFEST
    reports.write_json(path, manifest)
    return path
