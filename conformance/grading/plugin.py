"""pytest hooks for grading: the score table after every run, and the report files.

Loaded by conformance.plugin. Like pytest-json-report, the part that collects results is a
separate object registered in ``pytest_configure``, and never on an xdist worker: workers only
tag each test with its exercise and tier (``user_properties``, which travel to the controller
and show as properties in --junitxml).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pytest

from conformance.grading import reports, rubric, scoring, table, tofix
from conformance.settings import BLOCKED, EXERCISE, FAILURE

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
    """Pick the 'grading' hypothesis profile for a --grade-report or --classroom-report run.

    Runs before hypothesis' own pytest_configure, which then loads the profile as if it had
    been named with --hypothesis-profile (so the suite's properties use it too).
    """
    graded = config.getoption("grade_report") or config.getoption("classroom_report")
    if graded and not getattr(config.option, "hypothesis_profile", None):
        config.option.hypothesis_profile = "grading"


def start(
    config: pytest.Config,
    items: Sequence[pytest.Item],
    exercises: Sequence[str],
    *,
    reason: str | None = None,
) -> None:
    """The suite's tests were collected: load the rubric, tag each test with its exercise and
    tier, and (not on an xdist worker) start collecting outcomes for the score table and the
    reports. ``reason``: the run stops before any test (the server does not answer)."""
    try:
        loaded = rubric.load(config.getoption("rubric"))
    except rubric.RubricError as error:
        raise pytest.UsageError(str(error)) from None
    for item in items:
        item.user_properties += [("exercise", item.stash[EXERCISE]), ("tier", tier_of(item))]
    if hasattr(config, "workerinput") or GRADER in config.stash:
        return
    grader = Grader(config, loaded, exercises, reason)
    config.stash[GRADER] = grader
    quiet_failures(config)
    config.pluginmanager.register(grader, "conformance-grader")


def quiet_failures(config: pytest.Config) -> None:
    """A run of the suite shows each broken rule once, in the "what to fix" summary, instead
    of pytest's page per failed test and line per failed test, unless the command line asks
    for those (``--tb``, ``-r``, ``-v``)."""
    asked = config.invocation_params.args
    named = {arg.split("=", 1)[0] for arg in asked}
    if config.option.verbose > 0:
        return
    tb_asked = "--tb" in named or any(a.startswith("--tb") for a in asked)
    if not tb_asked and config.option.tbstyle == "auto":
        config.option.tbstyle = "no"
    if not any(a == "-r" or (a.startswith("-r") and not a.startswith("--")) for a in asked):
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and config.option.tbstyle == "no":
            reporter.reportchars = reporter.reportchars.replace("f", "")


def tier_of(item: pytest.Item) -> str:
    return "robust" if item.get_closest_marker("robust") else "documented"


def failure_fields(report: pytest.TestReport) -> dict[str, Any] | None:
    """The failure the suite recorded for a failed test, as data (see conformance.failure)."""
    fields = getattr(report, FAILURE, None)
    return fields if isinstance(fields, dict) else None


def fallback_text(report: pytest.TestReport) -> str:
    """A failure that is not the suite's own (an error in a fixture, a crash): pytest's text."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return report.longreprtext


class Grader:
    """Collects every conformance test's outcome; prints the table; writes the reports."""

    def __init__(
        self,
        config: pytest.Config,
        loaded: rubric.Rubric,
        exercises: Sequence[str],
        reason: str | None = None,
    ) -> None:
        self.config = config
        self.rubric = loaded
        self.exercises = tuple(exercises)
        self.reason = reason
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
        judged = props.get("rules")
        if isinstance(judged, list | tuple):
            outcome.rules = sorted(set(outcome.rules) | {str(rule) for rule in judged})
        held = props.get("verified")
        if isinstance(held, list | tuple):
            outcome.verified = sorted(set(outcome.verified) | {str(rule) for rule in held})
        blocked = getattr(report, BLOCKED, None)
        if report.skipped and isinstance(blocked, str) and outcome.outcome != "failed":
            outcome.outcome, outcome.blocked_by = "blocked", blocked
            outcome.summary = f"blocked by {blocked}"
        elif report.failed and outcome.outcome != "failed":
            outcome.outcome = "failed"
            fields = failure_fields(report)
            if fields is not None:
                outcome.text, outcome.summary = fields["text"], fields["where"]
                outcome.failure = fields
            else:
                outcome.text = fallback_text(report)
                lines = [line.strip() for line in outcome.text.splitlines() if line.strip()]
                summary = lines[0] if lines else report.when
                outcome.summary = summary.removeprefix("AssertionError: ")
        elif report.skipped and outcome.outcome not in ("failed", "blocked"):
            outcome.outcome = "skipped"

    def sheet(self) -> scoring.Sheet:
        return scoring.score(self.rubric, list(self.outcomes.values()), self.exercises)

    def results(self) -> dict[str, Any]:
        sheet = self.sheet()
        output = reports.summary(sheet)
        found = tofix.render(sheet)
        if found:
            output += "\n\nWhat to fix:\n" + "\n".join(found)
        if self.reason:
            output = f"No test ran: {self.reason}\n{output}"
        failed = [o for o in self.outcomes.values() if o.outcome == "failed"]
        if failed and len(failed) == len(self.outcomes) and len({o.summary for o in failed}) == 1:
            output += f"\nEvery test failed the same way: {failed[0].summary}"
        results = reports.gradescope(sheet, output=output)
        if self.reason:  # each group says why it earned nothing, not "no test matches"
            for test in results["tests"]:
                test["output"] = f"Not checked: {self.reason}"
        results["extra_data"]["what_to_fix"] = found
        return results

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
        if self.config.option.collectonly:
            return
        sheet = self.sheet()
        if not sheet.sections:
            return
        width = max(terminalreporter._tw.fullwidth, 80)
        found = tofix.render(sheet, width)
        if found:
            terminalreporter.section("what to fix", sep="=")
            for line in found:
                terminalreporter.write_line(line)
            if self.config.option.tbstyle == "no" and not self.config.option.verbose:
                terminalreporter.write_line(
                    "(every failed check in full: run again with --tb=short or -v)"
                )
        terminalreporter.section("conformance score", sep="=")
        for line in table.render(sheet, width):
            terminalreporter.write_line(line)
        profile = self.config.getoption("hypothesis_profile", None)
        if profile:
            terminalreporter.write_line(f"hypothesis profile: {profile}")
        for line in self.written:
            terminalreporter.write_line(line)
