"""The lecture's rules as schemathesis custom checks: one check per rule, named for it.

Each check looks at the answers to its own route only (``items_post_appends`` at POST /items,
``http_methods`` at the methods no route of the lecture takes), and says nothing about a
request outside the lecture's input domain; ``robust_refusal`` judges those, in the robust
mode only. ``--checks`` and ``--exclude-checks`` take these names like any other check's.
"""

from __future__ import annotations

from typing import Any

from schemathesis import Case, CheckContext, CheckFunction, Response, check

from conformance.schemathesis_hooks.exchange import read
from conformance.schemathesis_hooks.rules import (
    ROBUST,
    RULES,
    Rule,
    judge,
    judge_robust,
    rule_for,
)
from conformance.schemathesis_hooks.run import RUNS, Run, Seen

NOT_APPLICABLE = True
"""A check returns this (schemathesis: "skipped") for a request its rule says nothing about."""


def _seen(case: Case[Any], response: Response) -> tuple[Run, Seen] | None:
    run = RUNS.of(case.operation.schema)
    if run is None:
        return None
    seen = run.seen(case.id)
    if seen is None:  # a response the hooks did not see go by (not from `schemathesis run`)
        seen = Seen(None, read(case, response, run.exercise), True)
    return run, seen


def _lecture_check(rule: Rule) -> CheckFunction:
    def lecture_rule(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        found = _seen(case, response)
        if found is None:
            return NOT_APPLICABLE
        run, seen = found
        if rule.exercise not in ("", run.exercise):
            return NOT_APPLICABLE
        if rule_for(run.exercise, seen.exchange.label) is not rule:
            return NOT_APPLICABLE
        judge(run, rule, seen)
        return None

    lecture_rule.__name__ = lecture_rule.__qualname__ = rule.check
    lecture_rule.__doc__ = f"{rule.says} (lecture: {rule.slide!r})"
    return lecture_rule


def robust_refusal(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    found = _seen(case, response)
    if found is None or not found[0].robust:
        return NOT_APPLICABLE
    judge_robust(*found)
    return None


robust_refusal.__doc__ = f"{ROBUST.says} (robust mode)"

LECTURE_CHECKS = tuple(check(_lecture_check(rule)) for rule in RULES)
ROBUST_CHECK = check(robust_refusal)
