"""`conformance student-pages REPORTS --out DIR`: each student's page, safe to hand back.

The pages `conformance grade` writes are the teacher's: they show every rubric group, hidden
ones too, and the grading seed (with it, the generated inputs can be drawn again). This
export filters the reports' data before any page is rendered, then has the usual page writer
render what is left:

- only the groups a student may see: ``visible`` ones (with ``--after-due-date`` also
  ``after_due_date`` and ``after_published`` ones), so the score is the points of those
  groups, out of theirs, and a line says that more was graded;
- no seed (``extra_data.seed``, the "Grading seed" line), no rubric path, no per-tier totals;
- the server's log only when no group was left out: its request lines would show the
  requests of the groups left out.

DIR gets ``<student>.report.html`` and the filtered ``<student>.json`` for each report in
REPORTS (a ``conformance grade --reports`` or ``conformance merge --reports`` folder), and no
class page (it shows the whole class).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance import registry
from conformance.grader.job import Result
from conformance.grader.pages import classpage
from conformance.grading import reports
from conformance.grading.scoring import fmt

SHOWN = frozenset({"visible"})
AFTER_DUE_DATE = frozenset({"visible", "after_due_date", "after_published"})
KEPT_EXTRA = ("plot",)
"""What of a report's ``extra_data`` a student's copy keeps (their own server's /plot)."""


def is_report(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("tests"), list) and "score" in data


def graded(report: dict[str, Any]) -> bool:
    """A report of a suite run (its tests carry exercise, tier and group tags)."""
    return any(len(t.get("tags") or []) >= 3 for t in report["tests"] if isinstance(t, dict))


def status_of(report: dict[str, Any]) -> str:
    """The status ``conformance grade`` gave: "graded", or the reason's first words."""
    if graded(report):
        return "graded"
    return str(report.get("output", "")).split("\n", 1)[0].split(":", 1)[0] or "not graded"


def without_seed(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith("Grading seed:"))


def safe(report: dict[str, Any], shown: frozenset[str]) -> tuple[dict[str, Any], int]:
    """The student's copy of ``report``; and how many groups were left out."""
    tests = [t for t in report["tests"] if isinstance(t, dict)]
    kept = [t for t in tests if t.get("visibility", "visible") in shown]
    left_out = len(tests) - len(kept)
    extra = report.get("extra_data")
    extra = extra if isinstance(extra, dict) else {}
    copy: dict[str, Any] = {
        "extra_data": {k: extra[k] for k in KEPT_EXTRA if k in extra},
        "tests": [{k: v for k, v in t.items() if k != "visibility"} for t in kept],
    }
    if not graded(report):
        copy.update(score=0.0, max_score=report.get("max_score", 0.0))
        copy["output"] = without_seed(str(report.get("output", ""))).strip()
        return copy, left_out
    score = round(sum(float(t.get("score", 0.0)) for t in kept), 2)
    possible = sum(float(t.get("max_score", 0.0)) for t in kept)
    lines = [f"Score on the checks shown here: {fmt(score)}/{fmt(possible)}"]
    if left_out:
        lines.append(f"{left_out} more group(s) of checks are graded, and not shown here.")
    copy.update(score=score, max_score=possible, output="\n".join(lines))
    return copy, left_out


def reports_exercise(found: Sequence[dict[str, Any]], named: str | None) -> str:
    """The exercise of these reports: ``named``, else the one every graded test is tagged with."""
    if named:
        return named
    tags = {str(t["tags"][0]) for r in found for t in r["tests"] if len(t.get("tags") or []) >= 3}
    if len(tags) == 1:
        return tags.pop()
    raise ValueError(
        f"the reports are of {' and '.join(sorted(tags)) or 'no graded submission'}: "
        "name the exercise with --exercise"
    )


def export(folder: Path, out: Path, shown: frozenset[str], exercise: str | None) -> list[str]:
    """Write each report's safe copy and page into ``out``; the students' names."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(("_", ".")):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            print(f"left out (not a report): {path}", file=sys.stderr)
            continue
        if is_report(data):
            found[path.stem] = data
    if not found:
        raise ValueError(f"{folder}: no report (<student>.json) in it")
    chosen = reports_exercise(list(found.values()), exercise)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="conformance-student-pages-") as name:
        staging = Path(name)
        results = []
        for student, report in found.items():
            copy, left_out = safe(report, shown)
            log = folder / f"{student}.server.log"
            if not left_out and log.is_file() and not log.is_symlink():
                shutil.copyfile(log, staging / log.name)
            target = staging / f"{student}.json"
            reports.write_json(target, copy)
            results.append(Result(student, student, target, status_of(report), copy))
        classpage.write(staging, chosen, results)
        for result in results:
            shutil.copyfile(result.report, out / result.report.name)
        for page in staging.glob("*.html"):
            if page.name != classpage.INDEX:
                shutil.copyfile(page, out / page.name)
    return sorted(found)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conformance student-pages",
        description="Write each student's page and report without the hidden groups and the "
        "grading seed, to hand back to them (no class page).",
    )
    p.add_argument("reports", metavar="REPORTS", help="a --reports folder of grade or merge")
    p.add_argument("--out", metavar="DIR", required=True, help="where to write the pages")
    p.add_argument(
        "--after-due-date",
        action="store_true",
        help="also the groups whose visibility is after_due_date or after_published",
    )
    p.add_argument("--exercise", choices=registry.names(), help="default: from the reports")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    shown = AFTER_DUE_DATE if args.after_due_date else SHOWN
    out, folder = Path(args.out), Path(args.reports)
    if not folder.is_dir():
        print(f"conformance student-pages: {folder}: no such folder", file=sys.stderr)
        return 2
    if out.resolve() == folder.resolve():
        print("conformance student-pages: --out must not be the reports folder", file=sys.stderr)
        return 2
    try:
        names = export(folder, out, shown, args.exercise)
    except (ValueError, OSError) as error:
        print(f"conformance student-pages: {error}", file=sys.stderr)
        return 2
    print(f"{len(names)} student page(s) in {out}/, to hand back: <student>.report.html")
    return 0
