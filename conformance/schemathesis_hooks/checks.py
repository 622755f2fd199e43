"""The lecture's rules as schemathesis custom checks: one check per rule, named for it.

The checks are those of every registered exercise's entry (``ExerciseHooks.checks``), read
from the registry when the hooks are imported, and ``http_methods``. Each check looks at the
answers to its own route only (at the methods no route of the lecture takes, for
``http_methods``), and says nothing about a request outside the lecture's input domain;
``robust_refusal`` judges those, in the robust mode only. ``--checks`` and
``--exclude-checks`` take these names like any other check's.

Two exercises may name a check alike: it is one check, which judges each exercise's route by
that exercise's rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemathesis import Case, CheckContext, CheckFunction, Response, check
from schemathesis.config._checks import _BUILTIN_CHECK_NAMES

from conformance import registry
from conformance.exercise_hooks import LectureCheck
from conformance.schemathesis_hooks.entries import entry
from conformance.schemathesis_hooks.exchange import read
from conformance.schemathesis_hooks.rules import HTTP_METHODS, ROBUST, judge, judge_robust, rule_for
from conformance.schemathesis_hooks.run import RUNS, Run, Seen

NOT_APPLICABLE = True
"""A check returns this (schemathesis: "skipped") for a request its rule says nothing about."""


def table() -> dict[str, dict[str, LectureCheck]]:
    """Every check's name, with the rule it stands for in each exercise, in registry order."""
    found: dict[str, dict[str, LectureCheck]] = {}
    for exercise in registry.exercises():
        for rule in entry(exercise.name).checks:
            if rule.name in _BUILTIN_CHECK_NAMES or rule.name in (HTTP_METHODS.name, ROBUST.name):
                raise ValueError(
                    f"{exercise.name}: a check may not be named {rule.name!r}, the name of one "
                    "of schemathesis' own checks or of the hooks' own"
                )
            found.setdefault(rule.name, {})[exercise.name] = rule
    found[HTTP_METHODS.name] = {exercise.name: HTTP_METHODS for exercise in registry.exercises()}
    return found


def _seen(case: Case[Any], response: Response) -> tuple[Run, Seen] | None:
    run = RUNS.of(case.operation.schema)
    if run is None:
        return None
    seen = run.seen(case.id)
    if seen is None:  # a response the hooks did not see go by (not from `schemathesis run`)
        seen = Seen(None, read(case, response, run.exercise), True)
    return run, seen


def _lecture_check(name: str, rules: Mapping[str, LectureCheck]) -> CheckFunction:
    def lecture_rule(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        found = _seen(case, response)
        if found is None:
            return NOT_APPLICABLE
        run, seen = found
        rule = rules.get(run.exercise)
        if rule is None or rule_for(run.exercise, seen.exchange.label) is not rule:
            return NOT_APPLICABLE
        judge(run, rule, seen)
        return None

    first = next(iter(rules.values()), HTTP_METHODS)
    lecture_rule.__name__ = lecture_rule.__qualname__ = name
    lecture_rule.__doc__ = f"{first.says} (lecture: {first.slide!r})"
    return lecture_rule


def robust_refusal(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    found = _seen(case, response)
    if found is None or not found[0].robust:
        return NOT_APPLICABLE
    judge_robust(*found)
    return None


robust_refusal.__doc__ = f"{ROBUST.says} (robust mode)"

LECTURE_CHECKS = tuple(check(_lecture_check(name, rules)) for name, rules in table().items())
ROBUST_CHECK = check(robust_refusal)
