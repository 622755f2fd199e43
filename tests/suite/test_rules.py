"""Rules, hints and rule-based scoring: one mistake costs points once, in its own group.

The unit tests pin the parts (which operation a request goes to, which aspect a difference
is in, the hint a known signature gets, how outcomes become points); the last tests run the
suite in-process against apps with one mistake each and read the score a student gets.
"""

from __future__ import annotations

import json

import pytest
from lecture_servers import suite
from paths import LECTURE

from conformance import expect, hints, rules
from conformance.grading import rubric, scoring, tofix

WITHIN = "(within 1e-06 relative or 1e-09 absolute)"
JPEG = b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/add", "GET /add"),
        ("GET", "/add/", "GET /add"),
        ("GET", "/items/3", "GET /items/{item_id}"),
        ("POST", "/items/", "POST /items"),
        ("GET", "/user/Colin", "GET /user/{user_id}"),
        ("GET", "/", "GET /"),
        ("POST", "/fit", "POST /fit"),
        ("GET", "/openapi.json", None),
        ("DELETE", "/items/0", None),
    ],
)
def test_a_request_names_its_operation(method: str, path: str, operation: str | None) -> None:
    assert rules.operation_of(method, path) == operation


@pytest.mark.parametrize(
    ("where", "refused", "aspect"),
    [
        ("$.status: expected 200, got 201", False, "status"),
        ("$.status: expected 422, got 200", True, "refusal"),
        ("$.detail[0].loc: expected array, got string", True, "refusal"),
        ("$.headers.content-type: expected 'image/png', got 'image/jpeg'", False, "media"),
        ("$ (not JSON)", False, "media"),
        ("$.result: expected integer 2, got number 2.0", False, "shape"),
        ("$.y_hat: missing key 'y_hat' (got keys ['predictions'])", False, "shape"),
        ("$.y_hat: expected 5 items, got 4", False, "shape"),
        ("$.name: expected string 'a b', got string 'a+b'", False, "values"),
        (
            "$.coef[0]: expected 2.0 " + WITHIN + ", got 1.6",
            False,
            "values",
        ),
        ("$.headers.location: redirects to '/redoc'", False, "values"),
    ],
)
def test_a_difference_is_in_one_aspect(where: str, refused: bool, aspect: str) -> None:
    assert expect.aspect_of(where, refused) == aspect


def test_an_aspect_an_operation_is_not_judged_on_falls_to_the_nearest() -> None:
    assert rules.charged("GET /coefs", "refusal") == rules.Rule("GET /coefs", "shape")
    assert rules.charged("GET /coefs", "media") == rules.Rule("GET /coefs", "shape")
    assert rules.charged("POST /items", "status") == rules.Rule("POST /items", "shape")
    assert rules.charged("GET /plot", "status") == rules.Rule("GET /plot", "media")
    assert rules.charged("GET /plot", "shape") == rules.Rule("GET /plot", "media")
    assert rules.Rule.parse("POST /fit: values") == rules.Rule("POST /fit", "values")
    assert rules.Rule.parse("test_openapi_declares_body").aspect == rules.DECLARATION


@pytest.mark.parametrize(
    ("where", "got", "expected", "body", "sign"),
    [
        (
            "$.body: starts with b'\\xff\\xd8\\xff\\xe0', not PNG's signature",
            "",
            "PNG",
            b"\xff\xd8\xff",
            "JPEG",
        ),
        (
            "$.headers.content-type: expected 'image/png', got 'image/gif'",
            "",
            "200 image/png",
            b"GIF89a",
            "GIF",
        ),
        ("$.status: expected 200, got 201", "201 []", "200", b"", "status_code=201"),
        ("$.result: expected integer 2, got number 2.0", "", "", b"", "an integer sent as a float"),
        ("$.y_hat: missing key 'y_hat' (got keys ['yhat'])", "", "", b"", "'yhat'"),
        (
            "$.coef[0]: expected 2.0 " + WITHIN + ", got 1.6",
            "",
            "",
            b"",
            "shrunk",
        ),
        (
            "$.intercept: expected 1.0 " + WITHIN + ", got 0.0",
            "",
            "",
            b"",
            "fit_intercept",
        ),
        ("$.status: expected 200, got 405", "405", "200", b"", "method"),
        ("$.status: expected 422, got 200", "200 [{}]", "422", b"", "parameter types"),
        (
            "$.status: expected 404, got 200",
            '200 {"detail":"Item not found"}',
            "404",
            b"",
            "instead of returning the error",
        ),
        (
            "$.status: expected 4xx or 5xx, got 200",
            '200 {"y_hat":[0.0]}',
            "an error status",
            b"",
            "raise HTTPException",
        ),
    ],
)
def test_a_known_signature_gets_a_hint(
    where: str, got: str, expected: str, body: bytes, sign: str
) -> None:
    aspect = expect.aspect_of(where)
    found = hints.hint(aspect, where, got, expected, body=body)
    assert found is not None and sign in found


def test_a_plain_value_difference_gets_no_hint() -> None:
    assert hints.hint("values", "$.name: expected string 'a', got string 'b'", "", "") is None


def test_the_kind_drops_what_varies_between_inputs() -> None:
    a = hints.kind("$.y_hat[3]: expected 7.5 " + WITHIN + ", got 7.2")
    b = hints.kind("$.y_hat[17]: expected -1.25 " + WITHIN + ", got 3")
    assert a == b == "$.y_hat[…]: a different number"
    assert hints.kind("$.coef[0]: expected 2.0417 " + WITHIN + ", got 2.04") == (
        "$.coef[…]: rounded to 2 decimals"
    )
    assert hints.kind("$.status: expected 200, got 201") == "status 201 instead of 200"
    assert hints.kind("$.result: expected integer 2, got number 2.0") == (
        "$.result: number instead of integer"
    )


def test_a_request_that_got_no_answer_is_one_kind_with_a_hint() -> None:
    here = "the connection: could not connect to http://127.0.0.1:8000: is the server running?"
    there = "the connection: could not connect to http://10.1.2.3:9000: is the server running?"
    assert (
        hints.kind(here)
        == hints.kind(there)
        == ("the connection: could not connect (the server was not running)")
    )
    found = hints.hint("", here, "no answer", "an answer from the server")
    assert found is not None and "could not be reached" in found and "log" in found
    reset = "the connection: [Errno 104] Connection reset by peer"
    assert hints.kind(reset) == "the connection: closed without an answer"
    assert "closed the connection" in str(hints.hint("", reset, "no answer", ""))
    assert hints.hint("", "the connection: a redirect led to http://x/", "no answer", "") is None


RUBRIC = rubric.parse(
    {
        "ex1": {
            "documented": [
                {"id": "openapi", "points": 10, "tests": ["*::test_openapi*"]},
                {"id": "add", "points": 30, "tests": ["*::test_add*"], "operations": ["GET /add"]},
                {
                    "id": "items",
                    "points": 60,
                    "tests": ["*::test_items*"],
                    "operations": ["POST /items", "GET /items/{item_id}"],
                },
            ]
        }
    }
)


def outcome(name: str, outcome: str = "passed", **fields: object) -> scoring.Outcome:
    found = scoring.Outcome(f"t.py::{name}", f"t.py::{name}", "ex1", "documented", outcome)
    for key, value in fields.items():
        setattr(found, key, value)
    return found


def test_a_broken_rule_costs_its_operations_group_once() -> None:
    failure = {"rule": "POST /items: shape", "where": "$.status: expected 200, got 201"}
    sheet = scoring.score(
        RUBRIC,
        [
            outcome(
                "test_items_get[0]",
                rules=["GET /items/{item_id}: values"],
                verified=["GET /items/{item_id}: values"],
            ),
            outcome("test_items_post[1]", "failed", failure=failure, rules=["POST /items: shape"]),
            outcome("test_items_post[2]", "failed", failure=failure, rules=["POST /items: shape"]),
            outcome("test_add_sequence", "failed", failure=failure),  # found by an add test
            outcome(
                "test_add",
                rules=["GET /add: values", "GET /add: shape"],
                verified=["GET /add: values", "GET /add: shape"],
            ),
            outcome("test_openapi_declares_x"),
        ],
    )
    section = sheet.sections[0]
    groups = {g.id: g for g in section.groups}
    assert groups["items"].broken.keys() == {"POST /items: shape"}
    assert len(groups["items"].failed) == 3  # three checks, one rule
    assert groups["items"].earned == 30.0  # 1 of its 2 judged rules held
    assert groups["add"].earned == 30.0 and not groups["add"].broken
    assert groups["openapi"].earned == 10.0
    assert sheet.score == 70.0


def test_blocked_checks_cost_nothing_and_a_group_never_judged_earns_nothing() -> None:
    sheet = scoring.score(
        RUBRIC,
        [
            outcome("test_items_get", "blocked", blocked_by="POST /items"),
            outcome("test_add", rules=["GET /add: values"], verified=["GET /add: values"]),
        ],
        ["ex1"],
    )
    groups = {g.id: g for g in sheet.sections[0].groups}
    assert groups["add"].earned == 30.0
    assert groups["items"].earned == 0.0 and not groups["items"].checked
    assert groups["items"].first_failure() == "not checked: blocked by POST /items"
    assert groups["openapi"].first_failure().startswith("not tested")
    assert not sheet.sections[0].complete


def test_a_check_stopped_by_another_groups_rule_costs_only_that_group() -> None:
    """A sequence (a group of its own, no operations) that stops at a crash of POST /items: the
    crash costs the /items group once; the sequence counts as blocked by it, not as a second
    failure, and what it judged of /add without verifying it is not held against /add."""
    crash = {"rule": "POST /items: shape", "where": "$.status: expected 200, got 500"}
    stopped = outcome(
        "test_openapi_sequence[1]",
        "failed",
        failure=crash,
        rules=["POST /items: shape", "GET /add: values"],
    )
    add = outcome("test_add", rules=["GET /add: shape"], verified=["GET /add: shape"])
    other = outcome("test_openapi_sequence[2]", rules=[], verified=[])
    sheet = scoring.score(RUBRIC, [stopped, add, other], ["ex1"])
    groups = {g.id: g for g in sheet.sections[0].groups}
    assert groups["items"].broken.keys() == {"POST /items: shape"}
    assert groups["items"].earned == 0.0
    assert groups["add"].judged == {"GET /add: shape"} and groups["add"].earned == 30.0
    assert groups["openapi"].earned == 10.0  # the sequence that held, alone
    assert groups["openapi"].judged == {"test_openapi_sequence"}

    alone = scoring.score(RUBRIC, [stopped, add], ["ex1"]).sections[0]
    openapi = next(g for g in alone.groups if g.id == "openapi")
    assert not openapi.checked and openapi.earned == 0.0  # nothing of it was seen to hold
    assert openapi.first_failure() == "not checked: blocked by POST /items"
    assert tofix.blocked_lines(alone) == [
        "- 1 check(s) of other groups stopped at POST /items (judged once, by its own rule)"
    ]


def test_a_failure_of_a_test_in_no_group_is_never_lost() -> None:
    """A test no group matches that judged a rule of a group, then failed without a rule of
    its own (an error in its teardown): its failure is listed, in the table and what to fix."""
    text = "answers no check looked at:\n  POST http://127.0.0.1:8000/items  body: {}"
    stray = outcome(
        "stray_test", "failed", rules=["GET /add: shape"], verified=["GET /add: shape"], text=text
    )
    section = scoring.score(RUBRIC, [stray]).sections[0]
    unmatched = [g for g in section.groups if g.group is None]
    assert len(unmatched) == 1 and unmatched[0].broken.keys() == {"stray_test"}
    assert tofix.section_lines(section)[1:] == [
        "    answers no check looked at:",
        "      POST http://127.0.0.1:8000/items  body: {}",
    ]


def test_what_to_fix_shows_the_curl_and_names_a_few_rules_a_kind_breaks() -> None:
    """A server that stopped answering breaks every rule the same way: one entry in full,
    with its curl line, a few of the other rules, and a count of the rest."""
    url = "http://127.0.0.1:8000/add?x=1&y=1"
    failure = {
        "request": {"method": "GET", "url": url, "body": ""},
        "expected": "an answer from the server",
        "got": "no answer",
        "where": "the connection: could not connect to http://127.0.0.1:8000",
        "kind": "the connection: could not connect (the server was not running)",
        "curl": f"curl -i '{url}'",
    }
    many = [outcome(f"test_add_{n}", "failed", failure=failure) for n in range(12)]
    lines = tofix.section_lines(scoring.score(RUBRIC, many).sections[0])
    assert lines[:6] == [
        "- add 0  [add: -2.5]",  # each test its own rule here: 30 points over 12 rules
        f"    GET {url}",
        "    expected an answer from the server",
        "    got      no answer",
        "    differs at the connection: could not connect to http://127.0.0.1:8000",
        f"    reproduce: curl -i '{url}'",  # a plain GET too: the line a student copies
    ]
    assert f"    reproduce: curl -i '{url}'" in lines
    also = [line for line in lines if "the same difference also breaks" in line]
    assert len(also) == tofix.ALSO_BROKEN
    assert lines[-1] == f"    ... and {12 - 1 - tofix.ALSO_BROKEN} more rule(s) broken the same way"
    assert len(lines) <= 25


def test_what_to_fix_stays_within_its_lines() -> None:
    """Three rules broken three ways, each nine lines in full: the first two kinds in full, the
    third a line, so that the section, its title and its blocked checks fit in ``tofix.LINES``."""
    outcomes = []
    for n, rule in enumerate(["GET /add: shape", "GET /add: values", "POST /items: shape"]):
        url = f"http://127.0.0.1:8000/r{n}"
        failure = {
            "rule": rule,
            "request": {"method": "GET", "url": url, "body": ""},
            "history": [{"sent": {"method": "POST", "url": url}, "status": 200}],
            "expected": f"expected {n}",
            "got": f"got {n}",
            "where": f"$.x{n}: differs",
            "kind": f"kind {n}",
            "hint": "a hint",
            "curl": f"curl -i '{url}'",
        }
        outcomes += [outcome(f"test_x{n}_{m}", "failed", failure=failure) for m in range(2)]
    outcomes.append(outcome("test_items_get", "blocked", blocked_by="POST /items"))
    sheet = scoring.score(RUBRIC, outcomes)
    lines = tofix.render(sheet)
    assert len(lines) <= tofix.LINES
    full = [line for line in lines if line.startswith("    reproduce:")]
    assert len(full) == 2  # two kinds in full; the third fits only as a line
    assert (
        lines[-2] == "- POST /items answers with the lecture's status, keys, JSON types and "
        "lengths  [items: -60]: $.x2: differs"
    )
    assert lines[-1].startswith("- 1 check(s) could not run")
    wide = tofix.section_lines(sheet.sections[0], budget=100)
    assert len([line for line in wide if line.startswith("    reproduce:")]) == 3


def test_a_single_mistake_costs_only_its_group(pytester: pytest.Pytester) -> None:
    """POST /items answering 201 (a REST habit): the GET /items tests still run from its
    answers, and only the POST group loses points."""
    source = (LECTURE / "ex1_app.py").read_text(encoding="utf-8")
    broken = source.replace('@app.post("/items")', '@app.post("/items", status_code=201)')
    assert broken != source
    app = pytester.makepyfile(student_app=broken)
    result = suite(pytester, "--app", str(app), "--grade-report", "report.json")
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    lost = {
        t["tags"][2]
        for t in report["tests"]
        if t["tags"][1] == "documented" and t["score"] < t["max_score"]
    }
    assert lost == {"items-post"}, result.stdout.str()
    [items] = [t for t in report["tests"] if t["tags"][2] == "items-post"]
    assert items["extra_data"]["broken"] == ["POST /items: shape"]
    first = items["extra_data"]["failures"][0]
    assert first["group"] == "items-post" and first["rule"] == "POST /items: shape"
    assert "status_code=201" in first["hint"]
    assert "What to fix:" in report["output"]
    fix = report["output"].split("What to fix:\n", 1)[1].splitlines()
    assert len(fix) <= 25, "\n".join(fix)


NOTHING_RIGHT = {
    "no-routes": "from fastapi import FastAPI\napp = FastAPI()\n",
    "empty-object-everywhere": (
        "from fastapi import FastAPI\napp = FastAPI()\n\n"
        '@app.api_route("/{path:path}", methods=["GET", "POST"])\n'
        "async def anything(path: str):\n    return {}\n"
    ),
}


@pytest.mark.parametrize("source", NOTHING_RIGHT.values(), ids=NOTHING_RIGHT.keys())
def test_a_server_that_answers_nothing_right_earns_nothing(
    pytester: pytest.Pytester, source: str
) -> None:
    """A rule holds only where a check verified it: the values of answers whose status or
    keys are wrong were never shown right, so they are not held either."""
    app = pytester.makepyfile(student_app=source)
    suite(pytester, "--app", str(app), "--exercise", "ex1", "--grade-report", "report.json")
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert report["score"] == 0, [(t["name"], t["score"]) for t in report["tests"]]
