"""The grading plugin: rubric, score table, Gradescope / Classroom reports and JUnit names.

Most tests drive pytest with pytester on small test files marked ex1, with a rubric of their
own, so the points are known in advance. One test collects the real suite and checks that
every test of it falls into a group of the default rubric.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conformance import registry
from conformance.grading import rubric
from conformance.grading.plugin import tier_of
from conformance.settings import EXERCISE

TESTS = """
import pytest
from conformance import expect

pytestmark = pytest.mark.ex1

@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_add_works(n):
    assert n != 4, "add-broken: 4 is wrong"

def test_user_echoes():
    pass

def test_user_mismatch():
    raise expect.fail(None, expected="200 {}", got="500 boom", where="$.status")

def test_hello():
    pass

def test_stray_new_test():
    pass

@pytest.mark.robust
def test_add_survives_junk():
    assert False, "500 on junk"
"""

RUBRIC = """
version = 1
counted_tiers = ["documented"]

[[ex1.documented]]
id = "add"
title = "GET /add"
points = 60
tests = ["*::test_add*"]

[[ex1.documented]]
id = "user"
title = "GET /user/{user_id}"
points = 30
tests = ["*::test_user*"]
visibility = "after_due_date"

[[ex1.documented]]
id = "hello"
title = "GET /"
points = 10
tests = ["*::test_hello"]

[[ex1.robust]]
id = "add"
title = "GET /add (junk)"
points = 100
tests = ["*::test_add*"]
"""


@pytest.fixture
def graded(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_ex1_fake=TESTS)
    pytester.makefile(".toml", rubric=RUBRIC)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "--rubric", "rubric.toml", *args)


def test_default_rubric_is_each_exercise_out_of_100() -> None:
    loaded = rubric.load()
    assert loaded.counted_tiers == {"documented"}
    for exercise in registry.names():
        assert loaded.possible(exercise, "documented") == 100
        assert loaded.possible(exercise, "robust") == 100


def test_every_operation_is_in_one_documented_group() -> None:
    """A rule of an operation is charged to the one group that lists it."""
    loaded = rubric.load()
    for exercise in registry.exercises():
        groups = loaded.groups_of(exercise.name, "documented")
        listed = [op for group in groups for op in group.operations]
        labels = [op.label for op in exercise.operations]
        assert sorted(set(listed)) == sorted(set(labels) | ({"GET /"} & set(listed)))
        assert len(listed) == len(set(listed)), f"{exercise.name}: an operation listed twice"


def test_patterns_treat_brackets_literally() -> None:
    regex = rubric.compile_glob("*[add-*")
    assert regex.fullmatch("test_ex1_documented.py::test_documented[add-one-plus-one]")
    assert not regex.fullmatch("test_ex1_documented.py::test_documented[user-with-name]")
    assert rubric.test_key("a/b/test_x.py::test_y[1/2]") == "test_x.py::test_y[1/2]"


def test_every_suite_test_falls_into_a_group(pytester: pytest.Pytester) -> None:
    reprec = pytester.inline_run("--collect-only", "--pyargs", "conformance", "--robust")
    items = [i for call in reprec.getcalls("pytest_collection_finish") for i in call.session.items]
    loaded = rubric.load()
    assert len(items) > 50
    strays, used = [], set()
    for item in items:
        exercise, tier = item.stash.get(EXERCISE, "?"), tier_of(item)
        group = loaded.group_for(exercise, tier, rubric.test_key(item.nodeid))
        # The documented sequences judge every operation: each rule they find broken is
        # charged to its operation's group, so they need no group of their own.
        sequences = tier == "documented" and "_sequences.py::" in item.nodeid
        if group is not None:
            used.add((group.exercise, group.tier, group.id))
        elif not sequences:
            strays.append(f"{exercise} {tier} {item.nodeid}")
    assert strays == [], "tests in no group of the rubric"
    every = {(g.exercise, g.tier, g.id) for g in loaded.groups}
    assert every <= used, f"groups with no test: {sorted(every - used)}"
    patterns = {(g.exercise, g.tier, g.id, p) for g in loaded.groups for p in g.tests}
    keys = [
        (item.stash.get(EXERCISE, "?"), tier_of(item), rubric.test_key(item.nodeid))
        for item in items
    ]
    dead = sorted(
        (exercise, tier, group, pattern)
        for exercise, tier, group, pattern in patterns
        if not any(
            e == exercise and t == tier and rubric.compile_glob(pattern).fullmatch(key)
            for e, t, key in keys
        )
    )
    assert dead == [], f"rubric patterns that match no test: {dead}"


def test_bad_rubric_is_one_clear_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ex1_fake=TESTS)
    pytester.makefile(".toml", bad='[[ex1.documented]]\nid = "a"\npoints = -1\ntests = ["*"]\n')
    result = pytester.runpytest("--rubric", "bad.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ex1.documented* #1: points must be a number >= 0*"])


def test_score_table_after_every_run(graded: pytest.Pytester) -> None:
    result = run(graded, "--robust")
    result.assert_outcomes(passed=6, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*= conformance score =*",
            "ex1 documented tier",
            "*GET /add*0 / 60*0/1*add works: add-broken*",
            "*GET /user/{user_id}*15 / 30*1/2*user mismatch: $.status*",
            "*GET /  *10 / 10*1/1*",
            "*(tests in no rubric group)*0 / 0*-*tests in no group*",
            "*total*25 / 100*",
            "*! no rubric group matches test_ex1_fake.py::test_stray_new_test*",
            "ex1 robust tier  (reported separately, not part of the score)",
            "*GET /add (junk)*0 / 100*0/1*500 on junk*",
            "score: 25 / 100  (ex1 documented)",
        ]
    )


def test_gradescope_report(graded: pytest.Pytester) -> None:
    run(graded, "--robust", "--grade-report", "out/results.json")
    results = json.loads((graded.path / "out/results.json").read_text())
    assert (results["score"], results["max_score"]) == (25, 100)
    tests = {t["name"]: t for t in results["tests"]}
    add = tests["ex1 GET /add"]
    assert (add["score"], add["max_score"], add["status"]) == (0, 60, "failed")
    assert add["output"].startswith("0 of 1 rules held (0/60)")
    assert "add-broken: 4 is wrong" in add["output"]
    user = tests["ex1 GET /user/{user_id}"]
    assert user["visibility"] == "after_due_date"
    assert "expected 200 {}\n    got      500 boom\n    differs at $.status" in user["output"]
    [failure] = user["extra_data"]["failures"]  # the failure as data, not only as text
    assert (failure["test"], failure["expected"], failure["got"]) == (
        "test_user_mismatch",
        "200 {}",
        "500 boom",
    )
    assert failure["where"] == "$.status" and failure["text"].endswith("differs at $.status")
    assert "Traceback" not in user["output"]
    stray = tests["ex1 (tests in no rubric group)"]
    assert stray["max_score"] == 0 and "match no rubric group" in stray["output"]
    robust = tests["ex1 GET /add (junk)  [robust tier, not counted]"]
    assert (robust["score"], robust["max_score"]) == (0, 0)
    assert results["extra_data"]["sections"]["ex1.robust"] == {"score": 0, "max_score": 100}


def test_classroom_report_carries_partial_credit(graded: pytest.Pytester) -> None:
    run(graded, "--classroom-report", "classroom.json")
    runner = json.loads((graded.path / "classroom.json").read_text())
    assert runner["version"] == 1 and runner["status"] == "fail"
    assert runner["max_score"] == 100
    # the reporter sends Classroom "Points <sum of tests' score>/<max_score>"
    assert sum(t["score"] for t in runner["tests"]) == 25
    assert {t["status"] for t in runner["tests"]} == {"pass", "fail"}


def test_grade_report_selects_the_grading_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_profile="""
        from conformance.profiles import active_profile
        def test_profile():
            assert active_profile() == "grading"
        """
    )
    run(pytester, "--grade-report", "r.json").assert_outcomes(passed=1)
    run(pytester, "--grade-report", "r.json", "--hypothesis-profile", "thorough").assert_outcomes(
        failed=1
    )


def test_junit_names_and_student_messages(graded: pytest.Pytester) -> None:
    run(graded, "--junitxml", "junit.xml")
    root = ElementTree.parse(graded.path / "junit.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert "test_add_works[4]" in cases
    mismatch = cases["test_user_mismatch"]
    failure = mismatch.find("failure")
    assert failure is not None
    assert "differs at $.status" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in mismatch.iter("property")}
    assert props == {"exercise": "ex1", "tier": "documented"}


def test_no_table_without_conformance_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "conformance score" not in result.stdout.str()


def test_report_file_name_is_shown(graded: pytest.Pytester, tmp_path: Path) -> None:
    result = run(graded, "--grade-report", "r.json")
    result.stdout.fnmatch_lines(["hypothesis profile: grading", "Gradescope report: r.json"])
