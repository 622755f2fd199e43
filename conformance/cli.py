"""The `conformance` console command: `conformance serve ex1`, `conformance grade ex1 APP`..."""

from __future__ import annotations

import sys

USAGE = """usage: conformance COMMAND ...

commands:
  serve EXERCISE [--host H] [--port P]   serve a reference app with uvicorn (127.0.0.1:8000)
  grade EXERCISE APP... [options]        grade students' apps; see `conformance grade --help`
  merge DIR... [--csv F] [--reports D]   merge the reports of `grade --shard K/N` runs
  collect EXERCISE SOURCE [--into D]     lay out a Gradescope export or Classroom clones as
                                         D/<student>/EXERCISE/ (default submissions/)
  student-pages REPORTS --out D          each student's page without hidden groups and seed
  prepare                                once after installing: what every grading run would
                                         compute again (hypothesis' tables, compiled suite)

exercises: {exercises}
"""


def usage() -> str:
    from conformance import registry

    return USAGE.format(exercises=", ".join(registry.names()))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "serve":
        from reference_app.serve import main as serve

        return serve(rest)
    if command == "grade":
        from conformance.grader.command import main as grade

        return grade(rest)
    if command == "merge":
        from conformance.grader.merge import main as merge

        return merge(rest)
    if command == "collect":
        from conformance.grader.collect import main as collect

        return collect(rest)
    if command == "student-pages":
        from conformance.grader.studentpages import main as student_pages

        return student_pages(rest)
    if command == "prepare":
        from conformance.grader.prepare import main as prepare

        return prepare(rest)
    print(f"conformance: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
