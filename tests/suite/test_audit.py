"""Every answer the suite receives is judged: ``--audit-checks`` errors on any test that lets a
response go unchecked, and the whole suite, both tiers, passes the audit."""

from __future__ import annotations

import pytest
from lecture_servers import suite

UNCHECKED = """
import pytest
from conformance import expect

pytestmark = pytest.mark.ex1

def test_looks_at_its_answer(client):
    expect.check(client.get("/"), 200, {"message": "Hello World"})

def test_ignores_a_set_up_answer(client):
    client.post("/items", json={"name": "Widget", "price": 9.99})
    expect.check(client.get("/"), 200)
"""


def test_a_response_no_check_looked_at_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ex1_unchecked=UNCHECKED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--audit-checks")
    result.assert_outcomes(passed=2, errors=1)
    # in "what to fix": the error's first line, then the requests it lists
    result.stdout.fnmatch_lines(["*answers no check looked at:", "*  POST http://*/items  body:*"])
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=2)


def test_the_whole_suite_judges_every_answer(pytester: pytest.Pytester) -> None:
    result = suite(pytester, "--audit-checks", "--robust", "-q")
    assert result.ret == 0, result.stdout.str()[-3000:]
    assert "answers no check looked at" not in result.stdout.str()
