"""`conformance grade ex1 APP...`: grade one student's app, or a whole class in parallel.

Each app is started by ``server.StudentServer`` (a separate uvicorn process, clean
environment) and the suite runs against it in a pytest process of its own that writes a
Gradescope report: for a class, a fork of the job slot's warm worker (``warm.Slots``; the next
server starts meanwhile), with ``--cold`` or for one app a fresh ``python -IB -m pytest``
(``run.grade_one``). A submission that cannot be started or tested still gets a report: 0 and
why.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conformance import registry
from conformance.grader import classlist, cold, roster, shard, warm
from conformance.grader.job import Batch, Job, Options, Result, Stoppable, new_seed
from conformance.grader.pages import classpage, jobsummary
from conformance.grader.run import grade_one, keep_caches_private
from conformance.grader.sandbox import Protections, UidPool, limits
from conformance.grading import reports, rubric


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
    p.add_argument(
        "--roster",
        metavar="ROSTER.csv",
        help="with --csv: join the class roster (student_id, name, email, folder: the "
        "student's folder in the submissions) into the CSV; students without a submission "
        "get a row too",
    )
    p.add_argument("--jobs", "-j", type=int, default=1, help="apps graded at once (default 1)")
    p.add_argument(
        "--cold",
        action="store_true",
        help="several apps: run the suite in a fresh `python -m pytest` per app instead of "
        "each slot's warm worker (slower, the same scores; for comparison)",
    )
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
    add_sandbox_options(p)
    p.add_argument(
        "--shard",
        type=shard.Shard.parse,
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
    if args.roster and not args.csv:
        print("conformance grade: --roster is joined into --csv; give both", file=sys.stderr)
        return 2
    try:
        args.students = roster.read(Path(args.roster)) if args.roster else None
    except roster.RosterError as error:
        print(f"conformance grade: --roster {error}", file=sys.stderr)
        return 2
    try:
        chosen = limits.from_args(args)
    except ValueError as error:
        print(f"conformance grade: {error}", file=sys.stderr)
        return 2
    if args.shard and args.seed is None:
        print(
            "conformance grade: --shard needs --seed, the same on every shard, so that the "
            "whole class is graded with the same inputs (e.g. --seed $GITHUB_RUN_ID)",
            file=sys.stderr,
        )
        return 2
    options = Options(
        exercise=args.exercise,
        rubric=args.rubric,
        robust=args.robust,
        request_timeout=args.request_timeout,
        startup_timeout=args.startup_timeout,
        run_timeout=args.run_timeout,
        seed=new_seed() if args.seed is None else args.seed,
        limits=chosen,
        protections=Protections.detect(args.sandbox),
        suite_memory_mib=args.suite_memory_limit,
    )
    announce(options)
    problem = options.protections and options.protections.problem()
    if problem:  # every server would fail to start: say what to change, grade no one
        print(f"conformance grade: {problem}", file=sys.stderr)
        return 2
    keep_caches_private()
    if len(args.apps) == 1 and not args.reports and not args.csv and not args.shard:
        return grade_single(args.apps[0], Path(args.report or "results.json"), options, args)
    if args.report or args.github_output:
        print("conformance grade: --report and --github-output take one app", file=sys.stderr)
        return 2
    return grade_class(args.apps, Path(args.reports or "grading-reports"), options, args)


def grade_single(app: str, report: Path, options: Options, args: argparse.Namespace) -> int:
    """One app, the suite's own output on this terminal; the report at ``report``."""
    pool = UidPool(1)
    announce_uids(pool, options)
    try:
        with terminated_as_interrupt():
            job = Job(app, "submission", report, report.parent)
            result = grade_one(job, options, stream=True, uid=pool.uids[0])
    finally:
        pool.close()
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
    """Every app in parallel; a progress bar; a final table; one failure stops nothing.

    The CSV is rewritten after each app, the rest marked "not graded": if the grader is
    stopped (Ctrl-C, SIGTERM, even SIGKILL), what was graded so far is in it, and on Ctrl-C or
    SIGTERM every running server and suite is stopped before it returns.
    """
    chosen = shard.select(apps, args.shard)
    mine, names = [app for app, _ in chosen], [name for _, name in chosen]
    classpage.prepare(options.exercise)  # the reference plot, drawn while grading goes on
    progress = classlist.Progress(len(chosen), sys.stderr)
    done: dict[str, Result] = {}
    running: set[Stoppable] = set()
    fresh = args.cold or not hasattr(os, "fork")
    uids = UidPool(args.jobs if fresh else 2 * args.jobs)  # warm: the next server's uid too
    announce_uids(uids, options)
    grading: cold.Slots | warm.Slots | None = None
    interrupted = False
    with terminated_as_interrupt():
        try:
            kind = cold.Slots if fresh else warm.Slots
            grading = kind(Batch(chosen, folder, options, running), uids.uids)
            for result in grading.results():
                done[result.name] = result
                progress.advance(f"{result.name} {result.line()}")
                _write_scores(args, options, _with_rest(mine, names, done, folder, options))
        except KeyboardInterrupt:
            interrupted = True
            if grading is not None:
                grading.stop()
        finally:
            if grading is not None:
                grading.close()
            uids.close()
    progress.close()
    results = _with_rest(mine, names, done, folder, options)
    for line in classlist.table(results):
        print(line)
    _write_scores(args, options, results)
    if args.csv:
        print(f"scores: {args.csv}")
    if args.students is not None:
        roster.say_unknown(results, args.students)
    if args.shard:
        assert options.seed is not None  # --shard needs --seed
        shard.write_manifest(
            folder, args.shard, options.exercise, options.rubric, apps, results, options.seed
        )
    print(f"reports: {folder}/")
    if interrupted:
        print("conformance grade: interrupted; the rest are marked not graded", file=sys.stderr)
        return 130
    write_pages(folder, options.exercise, results)
    return 0 if all(r.status == "graded" for r in results) else 1


def write_pages(folder: Path, exercise: str, results: Sequence[Result]) -> None:
    """The class page and the job summary, after grading a class or merging its shards (so
    both write the same); a folder that cannot be written costs only the page."""
    jobsummary.append(exercise, results)
    try:
        print(f"class page: {classpage.write(folder, exercise, results)}")
    except OSError as error:
        print(f"conformance grade: could not write the class page: {error}", file=sys.stderr)


def _with_rest(
    apps: Sequence[str],
    names: Sequence[str],
    done: dict[str, Result],
    folder: Path,
    options: Options,
) -> list[Result]:
    """The graded results, and a "not graded" row for every app not (yet) graded."""
    rest = {"score": 0.0, "max_score": options.max_score()}
    results = [
        done.get(name) or Result(name, app, folder / f"{name}.json", "not graded", dict(rest))
        for app, name in zip(apps, names, strict=True)
    ]
    return sorted(results, key=lambda r: r.name)


def _write_scores(args: argparse.Namespace, options: Options, results: list[Result]) -> None:
    if not args.csv:
        return
    loaded = rubric.load(options.rubric)
    counted = [
        g
        for g in loaded.groups
        if g.exercise == options.exercise and g.tier in loaded.counted_tiers
    ]
    target = Path(args.csv)
    partial = target.with_name(f".{target.name}.tmp")
    try:  # atomic: a grader killed while writing leaves the previous CSV, never half of one
        classlist.write_csv(partial, results, counted, args.students)
        partial.replace(target)
    except OSError as error:
        print(f"conformance grade: could not write {args.csv}: {error}", file=sys.stderr)


def add_sandbox_options(p: argparse.ArgumentParser) -> None:
    """--seed, --sandbox and the limits of each student's server."""
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="the seed of every generated input (default: a fresh one per run, recorded in "
        "each report and the CSV); the same seed regrades exactly",
    )
    p.add_argument(
        "--sandbox",
        choices=("auto", "off"),
        default="auto",
        help="auto: every protection this OS provides (default); off: none, for comparison "
        "runs of trusted code only",
    )
    limits.add_options(p)


def announce(options: Options) -> None:
    """Say on stderr which protections are on, the limits and the seed."""
    assert options.protections is not None
    print(options.protections.report(), file=sys.stderr)
    print(f"limits per server: {options.limits.describe()}", file=sys.stderr)
    print(f"seed: {options.seed}  (--seed {options.seed} regrades exactly)", file=sys.stderr)


def announce_uids(pool: UidPool, options: Options) -> None:
    """The job slots' uids (root only): what runs under them is a student's server."""
    if options.protections is not None and options.protections.root:
        print(f"server uids: {' '.join(map(str, pool.uids))}", file=sys.stderr)


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM acts like Ctrl-C while grading: the same clean stop, servers stopped."""
    previous: Any = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
