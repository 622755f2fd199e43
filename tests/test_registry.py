"""The exercise registry drives everything: a throw-away third exercise, defined here with a
tiny app, registers, is collected, runs and is scored, with no other file of the project
touched."""

from __future__ import annotations

import json

import pytest
from lecture_servers import suite

from conformance import registry

EX3_PLUGIN = '''
"""A third exercise: its cases, its reference app and its rubric table, nothing else."""
from pathlib import Path

from fastapi import FastAPI

from conformance import registry
from conformance.cases import Case, get
from conformance.registry import Exercise, Operation


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping():
        return {"pong": True}

    return app


registry.register(
    Exercise(
        name="ex3",
        title="a throw-away third exercise (GET /ping)",
        app="ex3plugin:create_app",
        cases=(Case("ping-pongs", "Ping", get("/ping"), 200, {"pong": True}),),
        operations=(Operation("GET", ("/ping",)),),
        rubric=Path(__file__).with_name("ex3.toml"),
    )
)
'''

EX3_RUBRIC = """
version = 1
counted_tiers = ["documented"]

[[ex3.documented]]
id = "ping"
title = "GET /ping"
points = 70
tests = ["*[ping-*"]

[[ex3.documented]]
id = "openapi"
title = "OpenAPI: /openapi.json declares the API"
points = 30
tests = ["*::test_openapi*", "test_schema*::*"]
"""

BROKEN_EX3 = """
from fastapi import FastAPI

app = FastAPI()

@app.get("/ping")
async def ping():
    return {"pong": "yes"}
"""


@pytest.fixture
def ex3(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(ex3plugin=EX3_PLUGIN)
    pytester.makefile(".toml", ex3=EX3_RUBRIC)
    pytester.syspathinsert()
    return pytester


def test_a_third_exercise_is_collected_runs_and_is_scored(ex3: pytest.Pytester) -> None:
    result = suite(ex3, "-p", "ex3plugin", "--exercise", "ex3", "-v", "--grade-report", "r.json")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*conformance: ex3 against the embedded reference apps",
            "*test_documented.py::test_documented[[]ping-pongs[]] PASSED*",
            "*test_openapi.py::test_openapi_declares_operation[[]GET /ping[]] PASSED*",
            "*test_schema.py::test_every_json_answer_matches_its_declared_schema[[]GET /ping[]]*",
            "ex3 documented tier",
            "*GET /ping*70 / 70*",
            "score: 100 / 100  (ex3 documented)",
        ]
    )
    report = json.loads((ex3.path / "r.json").read_text())
    assert (report["score"], report["max_score"]) == (100, 100)
    assert {t["name"] for t in report["tests"]} == {
        "ex3 GET /ping",
        "ex3 OpenAPI: /openapi.json declares the API",
    }


def test_a_third_exercise_fails_a_broken_server(ex3: pytest.Pytester) -> None:
    app = ex3.makepyfile(broken_ex3=BROKEN_EX3)
    result = suite(ex3, "-p", "ex3plugin", "--app", str(app), "--grade-report", "r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "conformance: *broken_ex3.py serves ex3",
            "GET http://testserver/ping",
            "  (lecture: 'Ping')",
            'differs at $.pong: expected boolean true, got string "yes"',
        ]
    )
    report = json.loads((ex3.path / "r.json").read_text())
    assert report["score"] == 30  # the OpenAPI group passes; the transcript does not


def test_the_builtin_exercises_are_registered_from_their_cases_modules() -> None:
    assert registry.names()[:2] == ("ex1", "ex2")
    for exercise in registry.exercises():
        assert exercise.cases and exercise.operations
        assert exercise.rubric_table.is_file()
        assert exercise.create_app().openapi()["paths"]
