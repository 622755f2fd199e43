"""`conformance grade ex1 APP...`: grade one student's app, or a whole class in parallel.

Each app is started by ``server.StudentServer`` (a separate uvicorn process, clean
environment) and the suite runs against it in a pytest subprocess that writes a Gradescope
report. A submission that cannot be started or tested still gets a report: 0 and why.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from conformance import registry
from conformance.grading import classlist, classpage, jobsummary, reports, rubric, shard
from conformance.grading.run import Options, Result, grade_one


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conformance grade",
        description="Start each student's app with uvicorn in its own process (never in this "
        "one), run the conformance suite against it, and write a report per app.",
    )
    p.add_argument("exercise", choices=registry.names(), help="the exercise the apps implement")
    p.add_argument(
        "apps",
        nargs="+",
        metavar="APP",
        help="path/to/app.py, a folder holding app.py, or module:app",
    )
    p.add_argument(
        "--report",
        metavar="FILE.json",
        help="one app only: where to write its Gradescope report (default results.json)",
    )
    p.add_argument(
        "--reports",
        metavar="DIR",
        help="several apps: the folder for each app's report and logs (default grading-reports)",
    )
    p.add_argument("--csv", metavar="FILE.csv", help="write every app's score to a CSV file")
    p.add_argument("--jobs", "-j", type=int, default=1, help="apps graded at once (default 1)")
    p.add_argument("--rubric", metavar="FILE.toml", help="points per group (default: built-in)")
    p.add_argument("--robust", action="store_true", help="also run and report the robust tier")
    p.add_argument("--request-timeout", type=float, default=5.0, metavar="SECONDS")
    p.add_argument("--startup-timeout", type=float, default=30.0, metavar="SECONDS")
    p.add_argument(
        "--run-timeout",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="stop a suite run that takes longer than this (default 900)",
    )
    p.add_argument(
        "--shard",
        type=shard.parse,
        metavar="K/N",
        help="grade only the K-th of N parts of the class (sorted by name, dealt round-robin) "
        "and leave a manifest in --reports for `conformance merge`",
    )
    p.add_argument(
        "--github-output",
        action="store_true",
        help="one app only: also append `result=<base64>` to $GITHUB_OUTPUT, for GitHub "
        "Classroom's autograding-grading-reporter (partial credit per rubric group)",
    )
    return p


def main(argv: list[str]) -> int:
    """Grade; 0 when every app was tested, 1 when one could not be, 2 on a usage error."""
    args = parser().parse_args(argv)
    try:
        rubric.load(args.rubric)
    except rubric.RubricError as error:
        print(f"conformance grade: {error}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("conformance grade: --jobs must be at least 1", file=sys.stderr)
        return 2
    options = Options(
        exercise=args.exercise,
        rubric=args.rubric,
        robust=args.robust,
        request_timeout=args.request_timeout,
        startup_timeout=args.startup_timeout,
        run_timeout=args.run_timeout,
    )
    if len(args.apps) == 1 and not args.reports and not args.csv and not args.shard:
        return grade_single(args.apps[0], Path(args.report or "results.json"), options, args)
    if args.report or args.github_output:
        print("conformance grade: --report and --github-output take one app", file=sys.stderr)
        return 2
    return grade_class(args.apps, Path(args.reports or "grading-reports"), options, args)


def grade_single(app: str, report: Path, options: Options, args: argparse.Namespace) -> int:
    """One app, the suite's own output on this terminal; the report at ``report``."""
    result = grade_one(app, "submission", report, report.parent, options, stream=True)
    if args.github_output:
        target = os.environ.get("GITHUB_OUTPUT")
        if not target:
            print("conformance grade: --github-output needs $GITHUB_OUTPUT", file=sys.stderr)
            return 2
        with open(target, "a", encoding="utf-8") as out:
            out.write(reports.github_output_line(result.results))
    jobsummary.append(options.exercise, [result])
    print(f"\n{app}: {result.line()}\nreport: {report}")
    return 0 if result.status == "graded" else 1


def grade_class(
    apps: Sequence[str], folder: Path, options: Options, args: argparse.Namespace
) -> int:
    """Every app in parallel; a progress bar; a final table; one failure stops nothing."""
    chosen = shard.select(apps, args.shard)
    classpage.prepare(options.exercise)  # the reference plot, drawn while grading goes on
    progress = classlist.Progress(len(chosen), sys.stderr)
    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {
            pool.submit(_grade_safely, app, name, folder, options): app for app, name in chosen
        }
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            progress.advance(f"{result.name} {result.line()}")
    progress.close()
    results.sort(key=lambda r: r.name)
    for line in classlist.table(results):
        print(line)
    if args.csv:
        loaded = rubric.load(options.rubric)
        counted = [
            g
            for g in loaded.groups
            if g.exercise == options.exercise and g.tier in loaded.counted_tiers
        ]
        classlist.write_csv(Path(args.csv), results, counted)
        print(f"scores: {args.csv}")
    if args.shard:
        shard.write_manifest(folder, args.shard, options.exercise, options.rubric, apps, results)
    print(f"reports: {folder}/")
    print(f"class page: {classpage.write(folder, options.exercise, results)}")
    jobsummary.append(options.exercise, results)
    return 0 if all(r.status == "graded" for r in results) else 1


def _grade_safely(app: str, name: str, folder: Path, options: Options) -> Result:
    report = folder / f"{name}.json"
    try:
        return grade_one(app, name, report, folder, options, stream=False)
    except Exception as error:  # one submission must never stop the others
        return Result.failed(
            name, app, report, f"the grader failed on this app: {error!r}", options
        )
