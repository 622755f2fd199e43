"""`conformance merge DIR... --csv OUT --reports OUTDIR`: one class from its shards' reports.

Each DIR is the ``--reports`` folder of one ``conformance grade ... --shard K/N`` run. The
merge checks that the folders fit together (same exercise, rubric and class list, every part
1..N exactly once, no submission graded twice), copies each submission's files (its report,
its logs) into OUTDIR, and writes the CSV and table an unsharded run writes: same columns,
same rows, same order, the ``report`` column pointing into OUTDIR, then the class page and
(under GitHub Actions) the job summary, as ``conformance grade`` does. Exit status as for
``conformance grade``: 0 when every submission was tested, 1 when one could not be; 2 when
nothing was merged, with a message that says why.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.grader import classlist, command, roster
from conformance.grader.job import Result
from conformance.grader.shard import FORMAT, MANIFEST, Shard
from conformance.grading import rubric
from conformance.grading.rubric import Group


class MergeError(Exception):
    """The folders cannot be merged; the message says which and why."""


@dataclass(frozen=True)
class ShardFolder:
    """One shard's reports folder and its manifest."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def part(self) -> str:
        shard = self.manifest["shard"]
        return str(Shard(shard["index"], shard["count"]))

    @property
    def names(self) -> list[str]:
        return [entry["name"] for entry in self.manifest["graded"]]

    def owner(self, entry: str) -> str | None:
        """The submission a file of this folder belongs to: ``<name>.<anything>``."""
        owners = [n for n in self.names if entry.startswith(f"{n}.")]
        return max(owners, key=len) if owners else None


def read(folder: Path) -> ShardFolder:
    """A shard folder with a manifest this version understands, or a MergeError."""
    if not folder.is_dir():
        raise MergeError(f"{folder}: no such folder")
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MergeError(
            f"{folder}: no {MANIFEST} in it; merge takes the --reports folders of "
            "`conformance grade ... --shard K/N` runs"
        ) from None
    except (OSError, ValueError) as error:
        raise MergeError(f"{path}: not readable JSON ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MergeError(f"{path}: not a {FORMAT} manifest (written by another version?)")
    if not _well_formed(data):
        raise MergeError(f"{path}: a malformed manifest (was it edited?)")
    return ShardFolder(folder, data)


def _well_formed(data: dict[str, Any]) -> bool:
    """The manifest's fields have the types ``shard.write_manifest`` writes; names are file
    names."""

    def entries(key: str, fields: tuple[str, ...]) -> bool:
        items = data.get(key)
        return isinstance(items, list) and all(
            isinstance(e, dict) and all(isinstance(e.get(f), str) for f in fields) for e in items
        )

    shard, rubric_ = data.get("shard"), data.get("rubric")
    return (
        isinstance(data.get("exercise"), str)
        and isinstance(data.get("seed"), int)
        and isinstance(shard, dict)
        and all(isinstance(shard.get(k), int) for k in ("index", "count"))
        and isinstance(rubric_, dict)
        and all(isinstance(rubric_.get(k), str) for k in ("source", "text"))
        and entries("class", ("name", "app"))
        and entries("graded", ("name", "app", "status", "report"))
        and all(
            Path(e[f]).name == e[f] and e[f] not in {"", ".", ".."}
            for e in data["graded"]
            for f in ("name", "report")
        )
    )


def check(shards: Sequence[ShardFolder]) -> None:
    """Raise a MergeError unless the shards are the parts of one grading run."""
    first = shards[0]
    for key, what in (
        ("exercise", "exercises"),
        ("seed", "seeds (so with different inputs)"),
        ("rubric", "rubrics"),
        ("class", "class lists"),
    ):
        odd = [s for s in shards if _same(key, s) != _same(key, first)]
        if odd:
            raise MergeError(
                f"the shards were graded with different {what}: {first.folder} and {odd[0].folder}"
                + _show(key, first, odd[0])
            )
    counts = {s.manifest["shard"]["count"] for s in shards}
    if len(counts) > 1:
        raise MergeError(
            "the shards cut the class into different numbers of parts: "
            + ", ".join(f"{s.folder} is {s.part}" for s in shards)
        )
    seen: dict[str, Path] = {}
    for s in shards:
        for name in s.names:
            if name in seen:
                raise MergeError(f"{name} was graded by two shards: {seen[name]} and {s.folder}")
            seen[name] = s.folder
    count = counts.pop()
    present = {s.manifest["shard"]["index"] for s in shards}
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in present]
    left = [entry["name"] for entry in first.manifest["class"] if entry["name"] not in seen]
    if missing or left:
        what = f"shard {', '.join(missing)} missing" if missing else "a shard is incomplete"
        raise MergeError(
            f"{what}: no report for "
            + ", ".join(left[:10])
            + (f" and {len(left) - 10} more" if len(left) > 10 else "")
        )


def _same(key: str, shard: ShardFolder) -> Any:
    """What must be equal across shards: a rubric's text (its path may differ per machine)."""
    value = shard.manifest[key]
    return value["text"] if key == "rubric" else value


def _show(key: str, a: ShardFolder, b: ShardFolder) -> str:
    if key in ("exercise", "seed"):
        return f" ({a.manifest[key]} and {b.manifest[key]})"
    if key == "rubric":
        return f" ({a.manifest[key]['source']} and {b.manifest[key]['source']})"
    names_a = {e["name"]: e["app"] for e in a.manifest[key]}
    names_b = {e["name"]: e["app"] for e in b.manifest[key]}
    only_a = sorted(set(names_a.items()) - set(names_b.items()))[:3]
    only_b = sorted(set(names_b.items()) - set(names_a.items()))[:3]
    return f"; only in the first: {only_a}; only in the second: {only_b}"


def counted_groups(loaded: rubric.Rubric, exercise: str) -> list[Group]:
    """The CSV's group columns, as ``conformance grade --csv`` chooses them."""
    return [g for g in loaded.groups if g.exercise == exercise and g.tier in loaded.counted_tiers]


def merge(
    folders: Sequence[Path],
    out: Path,
    csv: Path | None,
    students: Sequence[roster.Student] | None = None,
) -> list[Result]:
    """Check, copy every submission's files into ``out``, write the CSV (with the roster
    ``students`` joined in, if given); the results."""
    resolved = [f.resolve() for f in folders]
    twice = sorted({str(f) for f in folders if resolved.count(f.resolve()) > 1})
    if twice:
        raise MergeError(f"the same folder is given twice: {', '.join(twice)}")
    if out.resolve() in resolved:
        raise MergeError(f"--reports {out} is one of the shard folders; write somewhere new")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise MergeError(f"--reports {out} already holds files; give a new or empty folder")
    shards = [read(f) for f in folders]
    check(shards)
    manifest = shards[0].manifest
    try:
        loaded = rubric.parse(
            tomllib.loads(manifest["rubric"]["text"]), manifest["rubric"]["source"]
        )
    except (tomllib.TOMLDecodeError, rubric.RubricError) as error:
        raise MergeError(
            f"{shards[0].folder / MANIFEST}: its rubric is not valid: {error}"
        ) from None
    results = [_result(s, entry, out) for s in shards for entry in s.manifest["graded"]]
    copies = _copies(shards)
    out.mkdir(parents=True, exist_ok=True)
    for source in copies.values():
        if source.is_dir():
            shutil.copytree(source, out / source.name)
        else:
            shutil.copy2(source, out / source.name)
    results.sort(key=lambda r: r.name)
    if csv:
        classlist.write_csv(csv, results, counted_groups(loaded, manifest["exercise"]), students)
    return results


def _copies(shards: Sequence[ShardFolder]) -> dict[str, Path]:
    """Each submission's files by name; a file no submission owns is left out, and said so."""
    copies: dict[str, Path] = {}
    for s in shards:
        for entry in sorted(s.folder.iterdir()):
            if entry.name == MANIFEST:
                continue
            if s.owner(entry.name) is None:
                print(f"left out (no submission's file): {entry}", file=sys.stderr)
            elif entry.name in copies:
                raise MergeError(f"two shards hold {entry.name}: {copies[entry.name]} and {entry}")
            else:
                copies[entry.name] = entry
    return copies


def _result(shard: ShardFolder, entry: dict[str, Any], out: Path) -> Result:
    report = shard.folder / entry["report"]
    try:
        results = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        message = f"{report}: {entry['name']}'s report is missing or unreadable ({error})"
        raise MergeError(message) from None
    return Result(
        entry["name"], entry["app"], (out / entry["report"]).resolve(), entry["status"], results
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conformance merge",
        description="Merge the --reports folders of `conformance grade ... --shard K/N` runs "
        "into one folder and one CSV, as one unsharded run writes them.",
    )
    p.add_argument(
        "folders", nargs="+", metavar="DIR", type=Path, help="a shard's --reports folder"
    )
    p.add_argument("--csv", metavar="FILE.csv", help="write every submission's score to a CSV")
    p.add_argument(
        "--roster",
        metavar="ROSTER.csv",
        help="with --csv: join the class roster into the CSV, as `conformance grade --roster`",
    )
    p.add_argument(
        "--reports",
        metavar="OUTDIR",
        type=Path,
        default="grading-reports",
        help="a new folder for every report and log (default grading-reports)",
    )
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.roster and not args.csv:
        print("conformance merge: --roster is joined into --csv; give both", file=sys.stderr)
        return 2
    try:
        students = roster.read(Path(args.roster)) if args.roster else None
        csv = Path(args.csv) if args.csv else None
        results = merge(args.folders, args.reports, csv, students)
    except (MergeError, roster.RosterError) as error:
        print(f"conformance merge: {error}", file=sys.stderr)
        return 2
    for line in classlist.table(results):
        print(line)
    if args.csv:
        print(f"scores: {args.csv}")
    if students is not None:
        roster.say_unknown(results, students)
    print(f"reports: {args.reports}/")
    exercise = str(read(args.folders[0]).manifest["exercise"])
    command.write_pages(args.reports, exercise, results)  # as `conformance grade` writes them
    return 0 if all(r.status == "graded" for r in results) else 1
