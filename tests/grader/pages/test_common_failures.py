"""The class page's most common failures, and a student's page: one row per broken rule and
kind of difference, never one per test name.

Issue 19: different mistakes failed the same sequence test first, and the class page showed
them as one "intercept" problem. Here the reports are made the way the suite writes
them (the `where` texts are the suite's own, from graded corpus servers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance import hints
from conformance.grader.job import Result
from conformance.grader.pages import classdata, classpage, jobsummary

SEQUENCE = "test_every_answer_is_the_lecture_s_answer"

MISTAKES = {  # a corpus server: the first difference the sequence test found, twice
    "fit_ridge": (
        "$.intercept: expected -0.26093231474269524 (within 1e-06 relative or 1e-09 absolute),"
        " got -0.2422926637058148",
        "$.intercept: expected 1.0719280731432086 (within 1e-06 relative or 1e-09 absolute),"
        " got 1.2761849010811863",
    ),
    "fit_no_intercept": (
        "$.intercept: expected -0.26093231474269524 (within 1e-06 relative or 1e-09 absolute),"
        " got 0.0",
        "$.intercept: expected 1.0719280731432086 (within 1e-06 relative or 1e-09 absolute),"
        " got 0.0",
    ),
    "coef_rounded_2dp": (
        "$.intercept: expected -0.26093231474269524 (within 1e-06 relative or 1e-09 absolute),"
        " got -0.26",
        "$.intercept: expected 1.0719280731432086 (within 1e-06 relative or 1e-09 absolute),"
        " got 1.07",
    ),
    "plot_jpeg": ("$.headers.content-type: got 'image/jpeg'",) * 2,
    "predict_key_renamed": (
        "$.y_hat: missing key 'y_hat' (got keys ['predictions'])",
        "$.y_hat: missing key 'y_hat' (got keys ['prediction'])",
    ),
    "items_post_201": ("$.status: expected 200, got 201",) * 2,
    "add_result_float": (
        "$.result: expected integer 2, got number 2.0",
        "$.result: expected integer -7, got number -7.0",
    ),
}


def failure(test: str, where: str, **fields: Any) -> dict[str, Any]:
    request = {"method": "GET", "url": "http://127.0.0.1:41234/x", "body": ""}
    return {"test": test, "expected": "200 ...", "got": "200 ...", "where": where,
            "request": request, **fields}  # fmt: skip


def graded(name: str, tests: list[tuple[str, list[dict[str, Any]]]]) -> Result:
    report = {
        "score": 0.0,
        "max_score": 10.0 * len(tests),
        "tests": [
            {
                "name": f"ex2 {group} group",
                "score": 0.0,
                "max_score": 10.0,
                "status": "failed" if failures else "passed",
                "output": "",
                "tags": ["ex2", "documented", group],
                "extra_data": {"earned": 0.0, "points": 10.0, "failures": failures},
            }
            for group, failures in tests
        ],
    }
    return Result(name, f"{name}.py", Path(f"{name}.json"), "graded", report)


def test_seven_mistakes_that_fail_one_test_are_seven_rows() -> None:
    results = [
        graded(f"{server}-{copy}", [("sequences", [failure(SEQUENCE, where)])])
        for server, wheres in MISTAKES.items()
        for copy, where in enumerate(wheres)
    ]
    common = classdata.build(None, "ex2", results).common_failures()
    rows = {item.kind: item.students for item in common}
    assert rows == {
        "$.intercept: a different number": ["fit_ridge-0", "fit_ridge-1"],
        "$.intercept: 0 instead of a number": ["fit_no_intercept-0", "fit_no_intercept-1"],
        "$.intercept: rounded to 2 decimals": ["coef_rounded_2dp-0", "coef_rounded_2dp-1"],
        "$.headers.content-type: got 'image/jpeg'": ["plot_jpeg-0", "plot_jpeg-1"],
        "$.y_hat: missing key 'y_hat'": ["predict_key_renamed-0", "predict_key_renamed-1"],
        "status 201 instead of 200": ["items_post_201-0", "items_post_201-1"],
        "$.result: number instead of integer": ["add_result_float-0", "add_result_float-1"],
    }


def test_the_report_s_rule_kind_hint_and_group_are_used_when_present() -> None:
    charged = {"group": "fit", "rule": "fit-is-ols", "kind": "coefficients shrunk",
               "hint": "Ridge or Lasso instead of LinearRegression?", "count": 4}  # fmt: skip
    results = [
        graded(
            "ridge",
            [
                ("fit", [failure("fit-seeded-demo", "$.intercept: 1 vs 2", **charged)]),
                ("predict", [failure("predict-demo", "$.y_hat[3]: 5 vs 6", **charged)]),
            ],
        ),
        graded("lasso", [("fit", [failure("exact-fit", "$.coef[0]: 7 vs 8", **charged)])]),
    ]
    [row] = classdata.build(None, "ex2", results).common_failures()
    assert (row.group, row.rule, row.kind) == ("ex2 fit group", "fit-is-ols", "coefficients shrunk")
    assert row.hint == "Ridge or Lasso instead of LinearRegression?"
    assert (row.students, row.checks) == (["lasso", "ridge"], 12)  # students sorted by name
    summary = jobsummary.markdown("ex2", results)
    assert "| 2 | ex2 fit group | `coefficients shrunk` | `Ridge or Lasso" in summary


def test_a_student_page_shows_each_kind_once_with_its_count(tmp_path: Path) -> None:
    ridge = [
        failure(f"check-{n}", f"$.intercept: expected {n}.5 (within 1e-06 relative or 1e-09 "
                f"absolute), got {n}.25")
        for n in range(11)
    ] + [failure("plot-is-png", "$.headers.content-type: got 'image/jpeg'")]  # fmt: skip
    student = classdata.student(graded("ridge", [("fit", ridge)]), None)
    [group] = student.groups
    same = group.similar
    assert [(s.first.kind, s.count) for s in same] == [
        ("$.intercept: a different number", 11),
        ("$.headers.content-type: got 'image/jpeg'", 1),
    ]
    assert same[0].checks == [f"check-{n}" for n in range(11)]
    html = classpage.render_student(student, "ex2")
    assert html.count('class="failure"') == 2
    assert "and 10 more checks that differ the same way" in html
    assert "http://127.0.0.1:8000/x" in html and "41234" not in html


def test_kinds_keep_what_names_the_mistake_and_drop_what_varies() -> None:
    assert hints.kind("$.detail[0].type: expected 'int_parsing', got 'missing'") == (
        "$.detail[…].type: expected 'int_parsing', got 'missing'"
    )
    assert hints.kind("$.status: expected 4xx, got 500") == "status 500 instead of 4xx"
    assert hints.kind("$: expected 3 items, got 2") == "$: expected … items, got …"
    ctype = "$.headers.content-type: got 'text/plain; charset=utf-8'"
    assert hints.kind(ctype) == ctype
    jpeg = "$.body: starts with b'\\xff\\xd8\\xff\\xe0\\x00\\x10JF'"
    assert hints.kind(jpeg) == jpeg
    moved = "$.headers.location: leads to another server, http://127.0.0.1:40123/items"
    assert hints.kind(moved) == "$.headers.location: leads to another server, /items"
    typo = '$.message: expected string "Hello World", got string "Hello world"'
    assert hints.kind(typo) == typo
