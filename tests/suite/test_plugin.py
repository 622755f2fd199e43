"""The conformance plugin, driven like a user drives it: through pytest itself."""

from __future__ import annotations

import json
import time

import pytest
from lecture_servers import suite
from paths import LECTURE

from conformance.failure import Failure, LectureMismatch
from conformance.grading import rubric
from conformance.plugin import blocked_by, underlying
from conformance.prerequisite import Blocked

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_help_lists_every_option_in_its_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    text = result.stdout.str()
    group = text[text.index("FastAPI lecture conformance:") :]
    for option in (
        "--exercise",
        "--app",
        "--strict-lecture",
        "--robust",
        "--request-timeout",
        "--fresh-server",
    ):
        assert option in group, option
    assert "--base-url" in text  # from pytest-base-url, never declared twice
    assert text.count("--base-url=") == 1


@pytest.mark.parametrize(
    ("args", "env", "ini", "expected"),
    [
        ((), {}, "", "ex1, ex2 against the embedded reference apps"),
        ((), {}, "ex2", "ex2 against the embedded reference apps"),
        ((), {"CONFORMANCE_EXERCISE": "ex1"}, "ex2", "ex1 against the embedded"),
        (("--exercise", "ex2"), {"CONFORMANCE_EXERCISE": "ex1"}, "ex1", "ex2 against the embedded"),
        (("--base-url", "http://127.0.0.1:9"), {}, "", "against http://127.0.0.1:9"),
        ((), {"PYTEST_BASE_URL": "http://127.0.0.1:8"}, "", "against http://127.0.0.1:8"),
        (
            ("--base-url", "http://127.0.0.1:7"),
            {"PYTEST_BASE_URL": "http://127.0.0.1:8"},
            "",
            "against http://127.0.0.1:7",
        ),
    ],
    ids=["default", "ini", "env-over-ini", "option-over-env", "base-url", "env-url", "option-url"],
)
def test_exercise_and_base_url_come_from_option_env_then_ini(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: dict[str, str],
    ini: str,
    expected: str,
) -> None:
    for name in ("CONFORMANCE_EXERCISE", "PYTEST_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if ini:
        pytester.makeini(f"[pytest]\nconformance_exercise = {ini}\n")
    result = suite(pytester, "--collect-only", "-q", *args)
    result.stdout.fnmatch_lines([f"conformance: *{expected}*"])
    # The URLs name closed ports: the run then stops at once with one sentence.
    assert result.ret == (pytest.ExitCode.USAGE_ERROR if "http" in expected else 0)


def test_silent_in_a_project_without_conformance_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    assert True\n")
    # A rubric that does not exist: it is not even read when no conformance test is collected.
    result = pytester.runpytest_subprocess("--rubric", "no-such-rubric.toml")
    assert result.ret == 0
    lines = (result.stdout.str() + result.stderr.str()).splitlines()
    assert [line for line in lines if "conformance:" in line or "rubric" in line] == []
    assert "score" not in result.stdout.str()


def test_detects_ex1_and_passes_the_lecture_code(
    pytester: pytest.Pytester, lecture_ex1_url: str
) -> None:
    result = suite(pytester, "--base-url", lecture_ex1_url)
    result.stdout.fnmatch_lines([f"conformance: {lecture_ex1_url} serves ex1"])
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes["passed"] > 50 and outcomes["deselected"] > 0


def test_detects_ex2_and_passes_the_lecture_code(
    pytester: pytest.Pytester, lecture_ex2_url: str
) -> None:
    result = suite(pytester, "--base-url", lecture_ex2_url)
    result.stdout.fnmatch_lines([f"conformance: {lecture_ex2_url} serves ex2"])
    assert result.ret == 0, result.stdout.str()


def test_runs_twice_and_in_reverse_order_against_one_server(
    pytester: pytest.Pytester, lecture_ex1_url: str, lecture_ex2_url: str
) -> None:
    pytester.makepyfile(
        reverse_order="def pytest_collection_modifyitems(items):\n    items.reverse()\n"
    )
    pytester.syspathinsert()
    for url in (lecture_ex1_url, lecture_ex2_url):
        for extra in ((), ("-p", "reverse_order")):
            result = suite(pytester, "--base-url", url, *extra)
            assert result.ret == 0, result.stdout.str()


def test_unreachable_server_without_exercise_is_one_clear_message(
    pytester: pytest.Pytester,
) -> None:
    result = suite(pytester, "--base-url", "http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*could not connect to http://127.0.0.1:9*"])


def test_unreachable_server_with_exercise_is_one_message_and_a_zero_report(
    pytester: pytest.Pytester,
) -> None:
    started = time.monotonic()
    result = suite(
        pytester,
        "--base-url",
        "http://127.0.0.1:9",
        "--exercise",
        "ex1",
        "--grade-report",
        "r.json",
    )
    elapsed = time.monotonic() - started
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stdout.str()
    assert "Traceback" not in text and "FAILED" not in text and " failed" not in text
    result.stdout.fnmatch_lines(
        ["*could not connect to http://127.0.0.1:9: is the server running*"]
    )
    report = json.loads((pytester.path / "r.json").read_text())
    assert report["score"] == 0 and report["max_score"] == 100
    assert {t["score"] for t in report["tests"]} == {0}
    assert len(report["tests"]) == len(rubric.load().groups_of("ex1", "documented"))
    assert "could not connect to http://127.0.0.1:9" in report["output"]
    assert elapsed < 30


BROKEN_ADD = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/add")
async def add(x: int, y: int = 0):
    return {"result": float(x + y)}
"""


def test_a_failure_shows_request_expected_got_and_curl(pytester: pytest.Pytester) -> None:
    app = pytester.makepyfile(student_app=BROKEN_ADD)
    result = suite(pytester, "--app", str(app), "--exercise", "ex1", "-k", "add-one-plus-one")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= what to fix =*",
            "ex1 documented tier: 1 rule(s) broken",
            "- GET /add answers with the lecture's status, keys, JSON types and lengths"
            "  [GET /add: -8]",
            "    GET http://testserver/add?x=1&y=1  (lecture: 'Query parameters')",
            '    expected 200 {"result": 2}',
            '    got      200 {"result":2.0}',
            "    differs at $.result: expected integer 2, got number 2.0",
            "    hint: an integer sent as a float*",
            "    reproduce: curl -i 'http://testserver/add?x=1&y=1'",
        ]
    )
    assert "def test_" not in result.stdout.str() and "Traceback" not in result.stdout.str()
    assert "FAILED" not in result.stdout.str()  # each broken rule once, not a line per test
    # Asked for, each failed test in full, as pytest shows it, still without a traceback.
    full = suite(
        pytester, "--app", str(app), "--exercise", "ex1", "-k", "add-one-plus-one", "--tb=short"
    )
    full.stdout.fnmatch_lines(
        [
            "GET http://testserver/add?x=1&y=1",
            "  (lecture: 'Query parameters')",
            'expected 200 {"result": 2}',
            'got      200 {"result":2.0}',
            "differs at $.result: expected integer 2, got number 2.0",
            "hint: an integer sent as a float*",
            "reproduce: curl -i 'http://testserver/add?x=1&y=1'",
        ]
    )
    assert "Traceback" not in full.stdout.str()


def test_app_option_runs_in_process(pytester: pytest.Pytester) -> None:
    result = suite(pytester, "--app", str(LECTURE / "ex2_app.py"))
    result.stdout.fnmatch_lines(["conformance: *ex2_app.py serves ex2"])
    assert result.ret == 0, result.stdout.str()


def test_app_option_with_a_missing_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = suite(pytester, "--app", "no/such/app.py", "--exercise", "ex1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--app no/such/app.py: no such file*"])


REDIRECT_302 = (
    (LECTURE / "ex2_app.py")
    .read_text()
    .replace("RedirectResponse(url='/docs')", "RedirectResponse(url='/docs', status_code=302)")
)


def test_strict_lecture_requires_the_307_redirect(pytester: pytest.Pytester) -> None:
    app = pytester.makepyfile(redirect_302=REDIRECT_302)
    selected = ("--app", str(app), "-k", "root-redirects-to-docs")
    assert suite(pytester, *selected).ret == 0
    strict = suite(pytester, *selected, "--strict-lecture")
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.stdout.fnmatch_lines(["*differs at $.status: expected 307, got 302"])


def test_the_suite_s_own_error_is_found_behind_hypothesis_wrappers() -> None:
    """A mismatch or a block inside an exception group, or as the cause or context of
    another error, is what the report shows; an error with none behind it is itself."""
    mismatch = LectureMismatch(Failure(expected="200", got="500", where="$.status"))
    try:
        try:
            raise mismatch
        except LectureMismatch:
            raise ValueError("while handling it") from None
    except ValueError as error:
        handling = error
    assert underlying(ExceptionGroup("flaky", [RuntimeError("x"), handling])) is mismatch
    blocked = Blocked("POST /fit", "no model")
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = BaseExceptionGroup("two", [ValueError("y"), blocked])
    assert blocked_by(wrapped) == "POST /fit"
    alone = KeyError("k")
    assert underlying(alone) is alone
    assert blocked_by(alone) is None
