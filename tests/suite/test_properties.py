"""The property tests, state machines and schema tests, run like a user runs them.

The lecture's verbatim code is the canonical answer: it passes the documented tier, the
properties included. A broken server fails a property with the failing request shown in the
student-facing format. The profiles apply to the suite only.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import settings
from lecture_servers import lecture_server, suite

from conformance import profiles

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.mark.parametrize("exercise", ["ex1", "ex2"])
def test_lecture_code_passes_the_documented_tier_with_its_properties(
    pytester: pytest.Pytester, exercise: str
) -> None:
    """In the students' default profile against a fresh server, then in the grading profile
    against the same server: the suite must not depend on a fresh one (the default profile
    twice on one server: tests/suite/test_plugin.py)."""
    with lecture_server(exercise) as url:
        for profile in (None, profiles.GRADING):
            extra = ("--hypothesis-profile", profile) if profile else ()
            result = suite(pytester, "--base-url", url, "--exercise", exercise, *extra)
            assert result.ret == 0, result.stdout.str()[-3000:]
            outcomes = result.parseoutcomes()
            assert outcomes["passed"] > 30
            assert f"hypothesis profile {profile or profiles.DEFAULT!r}" in result.stdout.str()


def test_profiles_are_registered_and_grading_is_repeatable() -> None:
    grading = settings.get_profile(profiles.GRADING)
    assert grading.derandomize is True
    assert grading.database is None
    assert grading.deadline is None
    assert grading.max_examples <= 50
    assert grading.stateful_step_count <= 20
    default = settings.get_profile(profiles.DEFAULT)
    assert (
        default.max_examples < grading.max_examples < settings.get_profile("thorough").max_examples
    )


def test_default_profile_is_never_loaded_globally(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another project's hypothesis tests, in an environment where the plugin is installed.
    # (Outside CI: there hypothesis itself picks its "ci" profile, plugin or not.)
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(
        test_other=textwrap.dedent(
            """
            from hypothesis import settings

            def test_hypothesis_default_is_untouched():
                assert settings.get_current_profile_name() == "default"
                assert settings.default.max_examples == 100
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


BROKEN_ADD = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/add")
async def add(x: int, y: int = 0):
    # Wrong only for big enough numbers: the lecture's examples all pass.
    return {"result": x + y + (1 if abs(x) > 1000 else 0)}

@app.get("/user/{user_id}")
async def user_id(user_id: int, name: str | None = None):
    return {"user_id": user_id, **({"name": name} if name is not None else {})}

@app.post("/items")
async def add_item():
    return []
"""


def test_failing_property_shows_the_failing_request_like_any_mismatch(
    pytester: pytest.Pytester,
) -> None:
    """The property starts from fixed examples (the same for every seed), big ones among
    them, so the request shown is one of those rather than a shrunk one: whichever it is, it
    is shown like any mismatch, with what the lecture and the broken server answer for it."""
    app = pytester.makepyfile(app=BROKEN_ADD)
    result = suite(
        pytester,
        "--app",
        str(app),
        "--exercise",
        "ex1",
        "-k",
        "test_add_is_x_plus_y_for_any_ints",
    )
    out = result.stdout.str()
    assert result.ret == 1, out
    found = re.search(
        r"^    GET (http://testserver/add\?x=(-?\d+)&y=(-?\d+))  \(lecture: ", out, re.M
    )
    assert found, out
    url, x, y = found[1], int(found[2]), int(found[3])
    assert abs(x) > 1000, f"x={x}: the broken app answers that one right"
    lines = out[found.end() :].splitlines()[1:5]
    assert lines == [
        f'    expected 200 {{"result": {x + y}}}',  # the lecture: x + y
        f'    got      200 {{"result":{x + y + 1}}}',  # the broken app: one more
        f"    differs at $.result: expected integer {x + y}, got integer {x + y + 1}",
        f"    reproduce: curl -i '{url}'",
    ], out
    assert "Traceback" not in out
