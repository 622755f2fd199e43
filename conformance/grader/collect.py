"""`conformance collect EXERCISE SOURCE`: a class's submissions laid out for grading.

SOURCE is one of the layouts teachers have:

- a Gradescope "Export Submissions" folder (the zip, unpacked): ``submission_metadata.yml``
  and one folder per submission, ``submission_<id>/``, holding what the student uploaded;
  the metadata names each submission's students (name, e-mail, student id);
- a folder of GitHub Classroom clones, one repository per student, named
  ``<assignment>-<github-username>`` (``gh classroom clone student-repos`` makes them, in a
  folder ``<assignment>-submissions``).

Each submission becomes ``INTO/<student>/<exercise>/``: the folder of its ``<exercise>/app.py``,
or else of its ``app.py`` at the top (where Gradescope's run_autograder looks too), copied.
A submission without one gets an empty folder, so that ``conformance grade EX INTO/*/EX``
still lists the student (scored 0: no app.py). ``INTO/roster.csv`` says whose each folder is.

Everything inside a submission is the student's: no link is followed (one is left out, and
said), only regular files and folders are copied, and a submission over :data:`MAX_BYTES` or
:data:`MAX_FILES` is not copied at all (said, and in the folder's ``NOT-COLLECTED.txt``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from conformance import registry
from conformance.grader import roster, submissions
from conformance.grader.safecopy import Copied, TooLarge, copy_tree, is_file

NOT_COLLECTED = "NOT-COLLECTED.txt"
"""Left in a submission's folder that was not copied, saying why."""


def printable(text: str, limit: int = 200) -> str:
    """A name a student chose, safe to print on a terminal (no control characters)."""
    shown = "".join(c if c.isprintable() else "?" for c in text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


@dataclass
class Collected:
    """One submission as collected: what was found and copied."""

    submission: submissions.Submission
    app: str | None
    """The app found, relative to the submission (``ex1/app.py``, ``app.py``); None: none."""
    note: str = ""
    copied: Copied | None = None


def find_app(submission: Path, exercise: str) -> str | None:
    """The submission's app for ``exercise``: ``<exercise>/app.py``, else ``app.py``."""
    for relative in (f"{exercise}/app.py", "app.py"):
        if is_file(submission, relative):
            return relative
    return None


def collect_one(item: submissions.Submission, exercise: str, target: Path) -> Collected:
    """Copy the submission's app folder to ``target`` (created even when there is none)."""
    app = find_app(item.source, exercise)
    done = Collected(item, app)
    if app is None:
        target.mkdir(parents=True)
        top = sorted(item.source.iterdir())[:8]
        names = [p.name + (" (a link, not followed)" if p.is_symlink() else "") for p in top]
        holds = printable(", ".join(names)) or "nothing"
        done.note = f"no {exercise}/app.py or app.py (it holds: {holds})"
        return done
    source = item.source / app.rpartition("/")[0] if "/" in app else item.source
    try:
        done.copied = copy_tree(source, target)
    except (TooLarge, OSError) as error:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        reason = error.strerror if isinstance(error, OSError) else str(error)
        done.note = f"not copied: {reason or error}"
        (target / NOT_COLLECTED).write_text(f"{done.note}\n", encoding="utf-8")
        return done
    if done.copied.left_out:
        shown = printable(", ".join(done.copied.left_out[:5]))
        done.note = f"left out (links, special files): {shown}"
    return done


def find(source: Path, prefix: str | None) -> tuple[str, list[submissions.Submission]]:
    """SOURCE's layout and its submissions; a CollectError when it holds none."""
    if not source.is_dir():
        raise submissions.CollectError(f"{source}: no such folder")
    export = submissions.gradescope_export(source)
    if export is not None:
        return "a Gradescope export", submissions.gradescope(export)
    found = submissions.classroom(source, prefix)
    if not found:
        raise submissions.CollectError(
            f"{source} holds no submission: neither a Gradescope export (with "
            f"{submissions.METADATA}) nor a folder of repositories"
        )
    return "GitHub Classroom clones", found


def collect(
    exercise: str, source: Path, into: Path, prefix: str | None, replace: bool
) -> list[Collected]:
    """Lay out every submission of SOURCE as ``INTO/<folder>/<exercise>/``; write
    ``INTO/roster.csv`` (its rows and those already there)."""
    layout, found = find(source, prefix)
    print(f"{source}: {layout}, {len(found)} submission(s)", file=sys.stderr)
    targets = [into / item.folder / exercise for item in found]
    there = [t for t in targets if t.exists() or t.is_symlink()]
    if there and not replace:
        raise submissions.CollectError(
            f"{there[0]} exists already ({len(there)} such); --replace replaces them"
        )
    for target in there:
        if target.is_symlink() or not target.is_dir():
            target.unlink()
        else:
            shutil.rmtree(target)
    done = [collect_one(item, exercise, t) for item, t in zip(found, targets, strict=True)]
    path = into / ROSTER
    known = roster.read(path) if path.is_file() else []
    roster.write(path, [*known, *(s for item in found for s in item.students)])
    return done


ROSTER = "roster.csv"
"""The roster ``collect`` writes beside the submissions."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conformance collect",
        description="Lay out a class's submissions as INTO/<student>/<exercise>/ for "
        "`conformance grade`, from a Gradescope export or a folder of GitHub Classroom "
        "clones, and write INTO/roster.csv (who each folder is).",
    )
    p.add_argument("exercise", choices=registry.names(), help="the exercise to collect")
    p.add_argument(
        "source",
        metavar="SOURCE",
        type=Path,
        help="a Gradescope export folder (submission_metadata.yml, submission_<id>/) or a "
        "folder of Classroom clones (<assignment>-<username>/)",
    )
    p.add_argument(
        "--into",
        metavar="DIR",
        type=Path,
        default="submissions",
        help="where to lay them out (default submissions)",
    )
    p.add_argument(
        "--prefix",
        metavar="TEXT",
        help="Classroom: what every clone's name starts with before the username (default: "
        "from SOURCE's name, <assignment>-submissions, else the names' common start)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace a student's <exercise> folder collected before",
    )
    return p


def main(argv: list[str]) -> int:
    """Collect; 0 when done (even with submissions without an app), 2 when nothing was."""
    args = parser().parse_args(argv)
    try:
        done = collect(args.exercise, args.source, args.into, args.prefix, args.replace)
    except (submissions.CollectError, roster.RosterError, OSError) as error:
        print(f"conformance collect: {error}", file=sys.stderr)
        return 2
    width = max([len(d.submission.folder) for d in done] + [7])
    for d in done:
        what = d.app or "-"
        print(f"{d.submission.folder:<{width}}  {what:<12}  {d.note}".rstrip())
    missing = sum(1 for d in done if d.app is None or d.copied is None)
    print(
        f"collected {len(done) - missing} of {len(done)} into {args.into}/ "
        f"({missing} without an app to grade); roster: {args.into / ROSTER}"
    )
    print(
        f"next: conformance grade {args.exercise} {args.into}/*/{args.exercise} --csv grades.csv "
        f"--roster {args.into / ROSTER} --reports reports"
    )
    return 0
