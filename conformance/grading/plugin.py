"""pytest hooks for grading: the score table after every run, and the report files.

Loaded by conformance.plugin. Like pytest-json-report, the part that collects results is a
separate object registered in ``pytest_configure``, and never on an xdist worker: workers only
tag each test with its exercise and tier (``user_properties``, which travel to the controller
and show as properties in --junitxml).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from conformance import EXERCISES
from conformance.grading import reports, rubric, scoring, table

GRADER = pytest.StashKey["Grader"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption(
        "--rubric",
        metavar="FILE.toml",
        default=os.environ.get("CONFORMANCE_RUBRIC") or None,
        help="points per group of tests (env CONFORMANCE_RUBRIC). Default: the built-in "
        "rubric, each exercise out of 100 for the documented tier, robust scored separately.",
    )
    group.addoption(
        "--grade-report",
        metavar="FILE.json",
        default=None,
        help="write the score as Gradescope's results.json (one test per rubric group; "
        "hidden groups via the rubric's visibility). Uses the 'grading' hypothesis profile "
        "unless --hypothesis-profile is given.",
    )
    group.addoption(
        "--classroom-report",
        metavar="FILE.json",
        default=None,
        help="write the score as a GitHub Classroom runner result (JSON; base64 it into the "
        "step output `result` for the autograding-grading-reporter action).",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Check the rubric; pick the 'grading' hypothesis profile for a --grade-report run.

    Runs before hypothesis' own pytest_configure, which then loads the profile as if it had
    been named with --hypothesis-profile (so the suite's properties use it too).
    """
    try:
        loaded = rubric.load(config.getoption("rubric"))
    except rubric.RubricError as error:
        raise pytest.UsageError(str(error)) from None
    graded = config.getoption("grade_report") or config.getoption("classroom_report")
    if graded and not getattr(config.option, "hypothesis_profile", None):
        config.option.hypothesis_profile = "grading"
    if hasattr(config, "workerinput"):
        return
    grader = Grader(config, loaded)
    config.stash[GRADER] = grader
    config.pluginmanager.register(grader, "conformance-grader")


def exercise_and_tier(item: pytest.Item) -> tuple[str, str] | None:
    for name in EXERCISES:
        if item.get_closest_marker(name) is not None:
            tier = "robust" if item.get_closest_marker("robust") else "documented"
            return name, tier
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        found = exercise_and_tier(item)
        if found:
            item.user_properties += [("exercise", found[0]), ("tier", found[1])]


def failure_text(report: pytest.TestReport) -> str:
    """The student-facing text of a failure (plugin.py renders ours as plain text)."""
    longrepr = report.longrepr
    if isinstance(longrepr, str):
        return longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return report.longreprtext


def one_line(report: pytest.TestReport, text: str) -> str:
    """The line that says what went wrong: 'differs at ...', else the message's gist."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("differs at "):
            return line.removeprefix("differs at ")
    if not lines:
        return report.when if report.when != "call" else "failed"
    line = lines[-1] if isinstance(report.longrepr, str) else lines[0]
    return line.removeprefix("AssertionError: ")


class Grader:
    """Collects every conformance test's outcome; prints the table; writes the reports."""

    def __init__(self, config: pytest.Config, loaded: rubric.Rubric) -> None:
        self.config = config
        self.rubric = loaded
        self.outcomes: dict[str, scoring.Outcome] = {}
        self.written: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "exercise" not in props:
            return
        outcome = self.outcomes.get(report.nodeid)
        if outcome is None:
            outcome = scoring.Outcome(
                report.nodeid,
                rubric.test_key(report.nodeid),
                str(props["exercise"]),
                str(props.get("tier", "documented")),
            )
            self.outcomes[report.nodeid] = outcome
        if report.failed and outcome.outcome != "failed":
            outcome.outcome = "failed"
            outcome.text = failure_text(report)
            outcome.summary = one_line(report, outcome.text)
        elif report.skipped and outcome.outcome != "failed":
            outcome.outcome = "skipped"

    def sheet(self) -> scoring.Sheet:
        exercise = self.config.getoption("exercise", None)
        return scoring.score(
            self.rubric, list(self.outcomes.values()), [exercise] if exercise else []
        )

    def results(self) -> dict[str, Any]:
        sheet = self.sheet()
        output = reports.summary(sheet)
        failed = [o for o in self.outcomes.values() if o.outcome == "failed"]
        if failed and len(failed) == len(self.outcomes) and len({o.summary for o in failed}) == 1:
            output += f"\nEvery test failed the same way: {failed[0].summary}"
        return reports.gradescope(sheet, output=output)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        grade_report = self.config.getoption("grade_report")
        classroom_report = self.config.getoption("classroom_report")
        if not (grade_report or classroom_report):
            return
        results = self.results()
        if grade_report:
            reports.write_json(grade_report, results)
            self.written.append(f"Gradescope report: {grade_report}")
        if classroom_report:
            reports.write_json(classroom_report, reports.classroom(results))
            self.written.append(f"GitHub Classroom result: {classroom_report}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        sheet = self.sheet()
        if not sheet.sections:
            return
        terminalreporter.section("conformance score", sep="=")
        width = max(terminalreporter._tw.fullwidth, 80)
        for line in table.render(sheet, width):
            terminalreporter.write_line(line)
        profile = self.config.getoption("hypothesis_profile", None)
        if profile:
            terminalreporter.write_line(f"hypothesis profile: {profile}")
        for line in self.written:
            terminalreporter.write_line(line)
