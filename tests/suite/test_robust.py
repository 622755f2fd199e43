"""The robust tier: the reference apps pass it, the lecture's verbatim code fails it for the
reasons in the project's notes on the lecture's behaviour, and it runs after the documented
tier so that a crash it provokes cannot change a documented verdict."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from lecture_servers import lecture_server, suite

from conformance import registry

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def fresh_lecture_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh copy of the lecture's code: the robust tier leaves ex1 answering 500 for good."""
    with lecture_server(request.node.callspec.params["exercise"]) as url:
        yield url


def failures(result: pytest.RunResult) -> dict[str, str]:
    """Each failed test's id -> its rendered failure."""
    out = result.stdout.str()
    sections = re.split(r"\n_{3,} (\S.*?) _{3,}\n", out)
    return {name: body for name, body in zip(sections[1::2], sections[2::2], strict=True)}


# What the lecture's code does wrong, from the notes: test id -> what the failure must show.
LECTURE_FINDINGS = {
    "ex1": {
        "test_items_negative_id_is_refused[minus-1]": "got      200",  # items[-1]
        "test_items_id_before_the_start_is_refused": "got      500",  # IndexError
        "test_add_sum_too_long_for_json_is_refused": "got      500",  # 4301-digit sum
        "test_items_non_finite_number_is_refused_and_not_stored[price-nan]": "got      500",
    },
    "ex2": {
        "test_fit_bad_body_is_refused_and_keeps_the_model[no-y]": "got      500",
        "test_fit_bad_body_is_refused_and_keeps_the_model[y-too-short]": "got      500",
        "test_fit_bad_body_is_refused_and_keeps_the_model[ragged-x]": "got      500",
        "test_fit_bad_body_is_refused_and_keeps_the_model[no-rows]": "got      500",
        "test_fit_bad_body_is_refused_and_keeps_the_model[no-columns]": "got      500",
        "test_predict_before_any_fit_is_refused": "got      500",  # NotFittedError
        "test_predict_bad_body_is_refused[too-many-columns]": "got      500",
    },
}


@pytest.mark.parametrize("exercise", registry.names())
def test_lecture_code_fails_the_robust_tier_for_the_known_reasons(
    pytester: pytest.Pytester, fresh_lecture_url: str, exercise: str
) -> None:
    result = suite(
        pytester,
        "--base-url",
        fresh_lecture_url,
        "--exercise",
        exercise,
        "--robust",
        "-m",
        "robust",
        "--tb=short",  # each failed test in full, not only the "what to fix" summary
    )
    assert result.ret == 1
    found = failures(result)
    for test, shown in LECTURE_FINDINGS[exercise].items():
        assert test in found, f"{test} did not fail; failures: {sorted(found)}"
        assert shown in found[test], found[test]
        assert "reproduce: curl" in found[test]
        assert "Traceback" not in found[test]


@pytest.mark.parametrize("exercise", registry.names())
def test_reference_apps_pass_the_robust_tier(pytester: pytest.Pytester, exercise: str) -> None:
    result = suite(pytester, "--exercise", exercise, "--robust", "-m", "robust")
    assert result.ret == 0, result.stdout.str()[-3000:]


def test_robust_tier_is_opt_in(pytester: pytest.Pytester) -> None:
    result = suite(pytester, "--collect-only", "-q", "-m", "robust")
    assert "no tests collected" in result.stdout.str() or result.ret == 5


def test_robust_tier_runs_after_the_documented_tier(pytester: pytest.Pytester) -> None:
    result = suite(pytester, "--collect-only", "-q", "--robust", "--exercise", "ex1")
    ids = [line for line in result.stdout.lines if "::" in line]
    robust = [
        i
        for i, line in enumerate(ids)
        if "robust" in line or "declared_in_openapi" in line or "server_error" in line
    ]
    documented = [i for i, line in enumerate(ids) if "documented" in line]
    assert robust and documented
    assert max(documented) < min(robust)
    # the tests that can break the lecture's code for good (a stored NaN price) run last
    last = {i for i, line in enumerate(ids) if "non_finite" in line or "change_nothing" in line}
    assert last == set(range(len(ids) - len(last), len(ids))), [ids[i] for i in sorted(last)]
    assert any("non_finite" in ids[i] for i in last)
