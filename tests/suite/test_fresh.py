"""The starting-state checks: a failure when the server is known to be fresh, a skip with one
sentence when a plain --base-url server may have served an earlier run."""

from __future__ import annotations

import pytest
from lecture_servers import lecture_server, suite

NOT_FRESH = {
    "ex1": "it starts with items in the list, while the lecture's starts empty",
    "ex2": "it starts with a fitted model, while the lecture's has none until the first POST /fit",
}


@pytest.mark.parametrize("exercise", ["ex1", "ex2"])
def test_a_second_run_skips_the_starting_state_checks_and_says_why(
    pytester: pytest.Pytester, exercise: str
) -> None:
    with lecture_server(exercise) as url:
        first = suite(pytester, "--base-url", url, "--exercise", exercise, "-k", "fresh")
        second = suite(pytester, "--base-url", url, "--exercise", exercise, "-k", "fresh")
        known = suite(
            pytester, "--base-url", url, "--exercise", exercise, "-k", "fresh", "--fresh-server"
        )
    assert first.ret == 0, first.stdout.str()
    assert "skipped" not in first.parseoutcomes()
    assert "assumed just started" in first.stdout.str()
    # The lecture's own server, run against a second time: nothing is wrong with it.
    assert second.ret == 0, second.stdout.str()
    assert second.parseoutcomes()["skipped"] >= 1
    second.stdout.fnmatch_lines(
        [f"conformance: starting-state checks skipped: restart your server*{NOT_FRESH[exercise]}"]
    )
    # Said to be fresh, it is not: the step that shows it fails.
    assert known.ret == 1, known.stdout.str()
    assert known.parseoutcomes()["failed"] == 1
    assert "started for this run" in known.stdout.str()


def test_the_steps_run_first_and_in_the_lectures_order(pytester: pytest.Pytester) -> None:
    result = suite(pytester, "--exercise", "ex1", "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if "::" in line]
    fresh = [line for line in ids if "test_ex1_fresh.py" in line]
    assert ids[: len(fresh)] == fresh
    assert [line.rsplit("[", 1)[-1].rstrip("]") for line in fresh][-5:] == [
        "items-post-widget",
        "items-post-gadget",
        "items-post-without-price-is-422",
        "items-get-widget",
        "items-get-past-end-is-404",
    ]
