"""The exercise registry drives everything: a throw-away third exercise, defined here with a
tiny app, registers, is collected, runs and is scored, and gets the schemathesis hooks (its
own check, judged against its reference app), with no other file of the project touched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from lecture_servers import suite
from reference_fixtures import BIN

from conformance import registry
from conformance.live import serve_process

EX3_PLUGIN = '''
"""A third exercise: its cases (with what the schemathesis hooks need), its reference app
and its rubric table, nothing else."""
from pathlib import Path

from fastapi import FastAPI

from conformance import registry
from conformance.cases import Case, get
from conformance.exercise_hooks import ExerciseHooks, LectureCheck
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
        hooks=ExerciseHooks(
            checks=(LectureCheck("ping_pongs", "GET /ping", 'GET /ping answers {"pong": true}',
                                 "Ping"),),
        ),
    )
)
'''

EX3_HOOKS = """
# SCHEMATHESIS_HOOKS for a run that knows ex3: the plugin registers it, then the lecture's
# hooks load and read the registry.
import ex3plugin  # noqa: F401
import conformance.schemathesis_hooks  # noqa: F401
"""

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
            "*= what to fix =*",
            "ex3 documented tier: 1 rule(s) broken",
            "- GET /ping answers with the lecture's status, keys, JSON types and lengths*",
            "    GET http://testserver/ping  (lecture: 'Ping')",
            '    expected 200 {"pong": true}',
            '    got      200 {"pong":"yes"}',
            '    differs at $.pong: expected boolean true, got string "yes"',
            "    reproduce: curl -i http://testserver/ping",
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


def test_a_lecture_exercise_finds_its_parts_by_its_name() -> None:
    import conformance.domain.ex1
    import conformance.exercise_hooks.ex1

    ex1 = registry.get("ex1")
    assert ex1.app == "reference_app.ex1:create_app"
    assert ex1.domain is conformance.domain.ex1.OPERATIONS
    assert ex1.hooks is conformance.exercise_hooks.ex1.HOOKS
    # an exercise without an input domain or hooks module of its own: none
    ex9 = registry.lecture_exercise("ex9", "t", cases=[], operations=[], rubric=None)
    assert (ex9.app, ex9.cases, ex9.parameters, ex9.domain, ex9.hooks) == (
        "reference_app.ex9:create_app",
        (),
        (),
        None,
        None,
    )


def schemathesis_run(ex3: pytest.Pytester, app: str, *, factory: bool) -> tuple[int, str]:
    """``schemathesis run`` with ex3's hooks module (a few examples, a fixed seed) at ``app``
    served by uvicorn on loopback, from the scratch folder; its exit code and output."""
    ex3.makepyfile(ex3hooks=EX3_HOOKS)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CONFORMANCE_", "SCHEMATHESIS_"))
    }
    env.update(SCHEMATHESIS_HOOKS="ex3hooks", PYTHONPATH=str(ex3.path))
    server = [sys.executable, "-m", "uvicorn", *(["--factory"] if factory else []), app]
    server += ["--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning"]
    with serve_process(server, cwd=ex3.path, env=env) as served:
        done = subprocess.run(
            [str(BIN / "schemathesis"), "run", f"{served.base_url}/openapi.json",
             "--checks", "ping_pongs", "-n", "3", "--seed", "1", "--no-shrink", "--no-color"],
            cwd=ex3.path, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_a_third_exercise_gets_the_schemathesis_hooks(ex3: pytest.Pytester) -> None:
    # `--checks ping_pongs` is refused unless the hooks registered ex3's check by that name
    code, output = schemathesis_run(ex3, "ex3plugin:create_app", factory=True)
    assert code == 0, output
    assert "conformance: the lecture's ex3, default (the lecture's input domain) mode" in output
    assert re.search(r"Test cases:\s+(\d+) generated, \1 passed", output), output


def test_a_third_exercise_hooks_fail_a_broken_server(ex3: pytest.Pytester) -> None:
    ex3.makepyfile(broken_ex3=BROKEN_EX3)
    code, output = schemathesis_run(ex3, "broken_ex3:app", factory=False)
    assert code == 1, output
    assert "Lecture rule broken: ping_pongs" in output, output
    assert "GET /ping answers {\"pong\": true}  (lecture: 'Ping')" in output, output
    assert re.search(r"GET http://127\.0\.0\.1:\d+/ping", output), output
    assert 'differs at $.pong: expected boolean true, got string "yes"' in output, output
