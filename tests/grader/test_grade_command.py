"""`conformance grade` and the Classroom workflow, run for real (Gradescope: test_gradescope).

Student apps are started as separate uvicorn processes; the suite runs in a subprocess, just
as a teacher's run would. The slow tests grade few apps, in parallel where they can.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from paths import REPO

from conformance import registry
from conformance.grader import classlist
from conformance.grader.sandbox.sandbox import Protections
from conformance.grader.sandbox.server import StudentServer, resolve
from conformance.grader.sandbox.uids import UidPool, processes_of
from conformance.grading import rubric
from conformance.grading.scoring import fmt

LECTURE_EX1 = REPO / "tests" / "lecture" / "ex1_app.py"
BROKEN_ADD = REPO / "tests" / "corpus" / "ex1" / "add_result_string.py"
MISBEHAVING = REPO / "tests" / "misbehaving"
CONFORMANCE = Path(sys.executable).parent / "conformance"


def submission(root: Path, student: str, source: Path) -> Path:
    target = root / student / "ex1" / "app.py"
    target.parent.mkdir(parents=True)
    shutil.copy(source, target)
    return target


def test_resolve_accepts_file_folder_and_module() -> None:
    assert resolve(str(LECTURE_EX1)).target == "ex1_app:app"
    assert resolve(str(MISBEHAVING / "broken_start")).folder == MISBEHAVING / "broken_start"
    assert resolve("mypkg.server:api").target == "mypkg.server:api"
    with pytest.raises(ValueError, match="no such file"):
        resolve("nowhere/app.py")


def test_names_are_short_and_unique() -> None:
    apps = ["subs/alice/ex1/app.py", "subs/bob/ex1/app.py", "subs/bob/ex1/app.py"]
    assert classlist.names(apps) == ["alice-ex1", "bob-ex1-1", "bob-ex1-2"]


def test_student_server_is_isolated_and_fully_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not_for_students")
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    protections = Protections.detect()
    with UidPool(1) as pool:
        uid = pool.uids[0]
        server = StudentServer(
            resolve(str(MISBEHAVING / "spy_app.py")),
            tmp_path / "server.log",
            protections=protections,
            uid=uid,
        )
        with server as url:
            assert url.startswith("http://127.0.0.1:")
            seen = httpx.get(url, timeout=10).json()
            assert server.stage is not None
            stage = server.stage.root
            assert stage.is_dir()
        running = processes_of(uid)
    env = seen["env"]
    assert "GITHUB_TOKEN" not in env and "PYTHONPATH" not in env
    assert set(env) <= {
        *("PATH", "LANG", "LC_ALL", "TZ", "HOME", "TMPDIR", "PWD", "LC_CTYPE"),
        *("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "MPLBACKEND", "MPLCONFIGDIR"),
        *("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"),
        "LD_LIBRARY_PATH",  # in the sandbox: where its Python's libpython is, /opt/python/lib
    }
    assert Path(env["HOME"]) != Path.home()
    if protections.namespaces:
        assert seen["cwd"] == "/submission", "a private copy, not the student's folder"
    else:
        assert seen["cwd"] == str(stage / "app")
    assert not stage.exists(), "the private copy and tmp are removed"
    if protections.root:
        assert not running, "every process of the slot's uid stopped"
    else:
        assert not _running(seen["pid"]) and not _running(seen["child"]), "whole group stopped"


def _running(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


def test_grade_a_class_in_parallel(tmp_path: Path) -> None:
    apps = [
        submission(tmp_path / "subs", "alice", LECTURE_EX1),
        submission(tmp_path / "subs", "bob", BROKEN_ADD),
        submission(tmp_path / "subs", "carol", MISBEHAVING / "broken_start" / "app.py"),
    ]
    reports = tmp_path / "reports"
    done = subprocess.run(
        [
            *(str(CONFORMANCE), "grade", "ex1", *map(str, apps), "--jobs", "3"),
            *("--csv", str(tmp_path / "grades.csv"), "--reports", str(reports)),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # carol's server did not start
    assert "3/3" in done.stderr  # the progress bar reached the end
    with (tmp_path / "grades.csv").open(encoding="utf-8") as grades:
        rows = {row["submission"]: row for row in csv.DictReader(grades)}
    assert set(rows) == {"alice-ex1", "bob-ex1", "carol-ex1"}
    # the verbatim lecture code is the canonical answer: full marks on the documented tier
    alice = json.loads((reports / "alice-ex1.json").read_text())
    assert rows["alice-ex1"]["score"] == "100", [
        t["output"] for t in alice["tests"] if t["status"] == "failed"
    ]
    [add] = [g for g in rubric.load().groups_of("ex1", "documented") if g.id == "add"]
    assert rows["alice-ex1"]["documented:add"] == fmt(add.points)
    assert 0 < float(rows["bob-ex1"]["score"]) < 100
    assert float(rows["bob-ex1"]["documented:add"]) < add.points
    assert rows["carol-ex1"]["score"] == "0"
    assert rows["carol-ex1"]["status"] == "the server did not start"
    carol = json.loads((reports / "carol-ex1.json").read_text())
    assert "the database password is missing" in carol["output"]
    assert carol["max_score"] == 100
    bob = json.loads((reports / "bob-ex1.json").read_text())
    add = next(t for t in bob["tests"] if t["tags"][2] == "add")
    assert "expected integer" in add["output"]
    # the request, at the student's own address (never the grader's temporary port)
    assert "GET http://127.0.0.1:8000/add?" in add["output"]
    table = done.stdout.splitlines()
    assert any(line.startswith("carol-ex1") and "did not start" in line for line in table)


def strings(data: object) -> list[str]:
    """Every string in a parsed YAML document, keys and values."""
    if isinstance(data, dict):
        return [t for k, v in data.items() for t in (*strings(k), *strings(v))]
    if isinstance(data, list):
        return [t for item in data for t in strings(item)]
    return [data] if isinstance(data, str) else []


def test_classroom_workflow_grades_one_exercise_with_partial_credit(tmp_path: Path) -> None:
    """As shipped: ex1, named once, out of 100 (not ex1 + ex2 out of 200)."""
    workflow = yaml.safe_load((REPO / "examples/github-classroom/classroom.yml").read_text())
    assert workflow["env"]["EXERCISE"] == "ex1"
    named = [text for text in strings(workflow) if "ex1" in text or "ex2" in text]
    assert named == ["ex1"], "the exercise is named in one place"
    job = workflow["jobs"]["run-autograding-tests"]
    [grade] = [step for step in job["steps"] if step.get("id") == "grade"]
    [reporter] = [s for s in job["steps"] if "autograding-grading-reporter" in s.get("uses", "")]
    assert reporter["with"]["runners"] == "grade"
    assert reporter["env"] == {"GRADE_RESULTS": "${{ steps.grade.outputs.result }}"}
    repo = tmp_path / "student"
    (repo / "ex1").mkdir(parents=True)
    shutil.copy(BROKEN_ADD, repo / "ex1" / "app.py")
    output = tmp_path / "github_output"
    env = {
        **os.environ,
        **workflow["env"],
        "GITHUB_OUTPUT": str(output),
        "PATH": f"{CONFORMANCE.parent}:{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", grade["run"]],  # GitHub runs `run:` with bash -e {0}
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert (repo / "grading" / "ex1.json").is_file()
    name, _, encoded = output.read_text().strip().partition("=")
    assert name == "result"
    runner = json.loads(base64.b64decode(encoded))
    points = sum(test["score"] for test in runner["tests"])  # what the reporter sends Classroom
    assert runner["max_score"] == 100
    assert 0 < points < 100
    assert any(t["status"] == "pass" and t["score"] > 0 for t in runner["tests"])


PROPERTY_CAUGHT = REPO / "tests" / "corpus" / "ex1" / "user_name_unquoted.py"


def test_the_same_server_graded_twice_gets_the_same_score(tmp_path: Path) -> None:
    # A mistake that only generated inputs find: with the same --seed, both runs draw the
    # same names, so both find it (or both miss it) and the scores agree.
    app = submission(tmp_path / "subs", "dana", PROPERTY_CAUGHT)
    reports = []
    for run in ("first", "second"):
        report = tmp_path / f"{run}.json"
        done = subprocess.run(
            [str(CONFORMANCE), "grade", "ex1", str(app), "--report", str(report), "--seed", "7"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        reports.append(json.loads(report.read_text()))
    first, second = reports
    assert first["extra_data"]["seed"] == second["extra_data"]["seed"] == 7
    assert "Grading seed: 7" in first["output"]
    assert first["score"] == second["score"] < 100
    assert [(t["name"], t["score"]) for t in first["tests"]] == [
        (t["name"], t["score"]) for t in second["tests"]
    ]
    user = next(t for t in first["tests"] if t["tags"][2] == "user")
    assert "echoes user_id and, only when it is given, name, verbatim" in user["output"]


def test_a_path_a_spreadsheet_would_run_is_written_as_text(tmp_path: Path) -> None:
    """CSV injection: a student's folder named like a formula stays text in grades.csv."""
    folder = tmp_path / "=HYPERLINK(1)"
    folder.mkdir()
    grades = tmp_path / "grades.csv"
    apps = ["=HYPERLINK(1)/app.py", "@SUM(1)/app.py"]
    done = subprocess.run(
        [str(CONFORMANCE), "grade", "ex1", *apps, "--csv", str(grades), "--reports", "reports"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # neither has an app.py
    with grades.open(encoding="utf-8") as rows:
        cells = [cell for row in csv.reader(rows) for cell in row]
    assert "'=HYPERLINK(1)/app.py" in cells and "'@SUM(1)/app.py" in cells
    assert not [cell for cell in cells if cell.startswith(classlist.FORMULA_STARTS)]


LECTURE_EX2 = REPO / "tests" / "lecture" / "ex2_app.py"


@pytest.mark.parametrize(
    ("graded", "source", "served"), [("ex1", LECTURE_EX2, "ex2"), ("ex2", LECTURE_EX1, "ex1")]
)
def test_the_other_exercise_is_said_in_one_sentence(
    tmp_path: Path, graded: str, source: Path, served: str
) -> None:
    """The lecture's ex2 graded as ex1: no wall of 104 failures, one sentence and a clear 0."""
    app = tmp_path / "app.py"
    shutil.copy(source, app)
    report = tmp_path / "results.json"
    done = subprocess.run(
        [str(CONFORMANCE), "grade", graded, str(app), "--report", str(report), "--seed", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "FAILED" not in done.stdout and "Traceback" not in done.stdout
    results = json.loads(report.read_text())
    assert (results["score"], results["max_score"]) == (0, 100)
    sentence = (
        f"serves {registry.get(served).title}, not {registry.get(graded).title}, the exercise "
        f"being checked: submit the {graded} app, or check this one as {served}"
    )
    first = results["output"].splitlines()[0]
    assert first.startswith("No test ran: http://127.0.0.1:") and sentence in first, first
    for test in results["tests"]:  # every group says why it earned nothing
        assert test["score"] == 0 and test["output"] == f"Not checked: {first[13:]}"
