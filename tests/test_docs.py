"""The console commands that README.md and docs/teacher-guide.md show, run as shown.

Every ``$ `` line of a ``console`` block (and each line of a ``bash`` block) is a command a
reader will type. The teacher guide's commands run in order, for real, in a folder holding
what its text says a teacher has (GitHub Classroom clones, a Gradescope export, the
examples): a class of three, one of them the lecture's code. The README's student commands
run against the lecture's ex1 code, served as the README says. What a test cannot do as a
reader would is changed openly: a free port for 8000, ``pip install`` as a dry run,
``schemathesis run`` bounded to a few examples; ``dev.py``'s jobs are checked to exist (the
project's CI runs them). A command this file does not know fails its test.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.live import free_port

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
GUIDE = REPO / "docs" / "teacher-guide.md"
LECTURE_EX1 = REPO / "tests" / "lecture" / "ex1_app.py"
BIN = Path(sys.executable).parent


def commands(page: Path) -> list[str]:
    """The commands of a page's ``console`` blocks (``$ `` lines) and ``bash`` blocks."""
    found = []
    for kind, block in re.findall(r"```(console|bash)\n(.*?)```", page.read_text(), re.S):
        for line in block.splitlines():
            line = line.strip()
            if kind == "console" and line.startswith("$ "):
                found.append(line[2:].split("  #", 1)[0].strip())
            elif kind == "bash" and line and not line.startswith("#"):
                found.append(line.split("  #", 1)[0].strip())
    return found


def run(command: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],  # as typed in a shell: a failing command stops nothing
        cwd=cwd,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_pages_show_commands() -> None:
    assert len(commands(README)) >= 6 and len(commands(GUIDE)) >= 8


# --- the teacher guide: a small class, every command in order --------------------------


def a_class(root: Path) -> None:
    """What the guide says a teacher has: Classroom clones, a Gradescope export, examples/."""
    clones = root / "fastapi-ex1-submissions"
    (clones / "fastapi-ex1-alice" / "ex1").mkdir(parents=True)
    shutil.copy(LECTURE_EX1, clones / "fastapi-ex1-alice" / "ex1" / "app.py")
    (clones / "fastapi-ex1-bob").mkdir()
    (clones / "fastapi-ex1-bob" / "app.py").write_text("this is not python\n")
    export = root / "assignment_123_export"
    (export / "submission_1001").mkdir(parents=True)
    (export / "submission_1001" / "app.py").write_text("import nowhere_at_all\n")
    (export / "submission_metadata.yml").write_text(
        "submission_1001:\n  :submitters:\n  - :name: Carol C\n    :sid: '7'\n"
        "    :email: carol@uni.example\n"
    )
    shutil.copytree(REPO / "examples", root / "examples")


ALLOWED_EXIT = {
    "conformance grade ex1 submissions/*/": {0, 1},
    "for k in": {0, 1},
    "conformance merge": {0, 1},
}
"""Commands that grade the class, where bob's and carol's servers cannot start: exit 1."""


@pytest.fixture(scope="module")
def guided(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The teacher guide's commands, run in order in a class's folder."""
    root = tmp_path_factory.mktemp("teacher-guide")
    a_class(root)
    for command in commands(GUIDE):
        if not command.startswith(("conformance ", "cd examples/gradescope", "for k in")):
            pytest.fail(f"docs/teacher-guide.md: this test cannot run {command!r}")
        done = run(command, root)
        allowed = next((c for p, c in ALLOWED_EXIT.items() if command.startswith(p)), {0})
        assert done.returncode in allowed, f"$ {command}\n{done.stdout[-3000:]}{done.stderr}"
        assert "Traceback" not in done.stderr, f"$ {command}\n{done.stderr}"
    yield root


def test_the_gradescope_zip_holds_the_autograder(guided: Path) -> None:
    with zipfile.ZipFile(guided / "autograder-ex1.zip") as archive:
        assert sorted(archive.namelist()) == ["run_autograder", "settings.conf", "setup.sh"]


def test_collect_grade_roster_and_pages(guided: Path) -> None:
    subs = guided / "submissions"
    assert sorted(p.name for p in subs.iterdir()) == ["alice", "bob", "carol", "roster.csv"]
    assert json.loads((guided / "alice.json").read_text())["score"] == 100
    with (guided / "grades.csv").open(encoding="utf-8") as grades:
        table = {row["submission"]: row for row in csv.DictReader(grades)}
    assert table["alice-ex1"]["score"] == "100"
    assert table["carol-ex1"]["name"] == "Carol C" and table["carol-ex1"]["score"] == "0"
    assert (guided / "reports" / "index.html").is_file()
    assert sorted(p.name for p in (guided / "pages").glob("*.html")) == [
        "alice-ex1.report.html",
        "bob-ex1.report.html",
        "carol-ex1.report.html",
    ]
    for k in (1, 2, 3, 4):
        assert (guided / f"shard-{k}" / "_shard.json").is_file()
    merged = sorted(p.name for p in (guided / "merged").iterdir() if p.suffix == ".json")
    assert merged == ["alice-ex1.json", "bob-ex1.json", "carol-ex1.json"]


PARSERS = {
    "grade": "conformance.grader.command",
    "merge": "conformance.grader.merge",
    "collect": "conformance.grader.collect",
    "student-pages": "conformance.grader.studentpages",
}


def test_the_examples_commands_parse() -> None:
    """The examples' READMEs: each `conformance` command's options exist (argparse level)."""
    shown = [c for page in sorted(REPO.glob("examples/*/README.md")) for c in commands(page)]
    inner = [re.sub(r"^for .*?; do (.*?); done$", r"\1", c).replace("$k", "1") for c in shown]
    assert inner and all(c.startswith("conformance ") for c in inner), inner
    for command in inner:
        words = shlex.split(command)[1:]
        parser = importlib.import_module(PARSERS[words[0]]).parser()
        parser.parse_args(words[1:])  # a wrong option exits (2) and fails the test


def test_the_readme_teacher_commands_are_the_guide_s() -> None:
    teacher = [c for c in commands(README) if c.startswith("conformance ")]
    assert teacher and set(teacher) <= set(commands(GUIDE))


# --- the README: a student's server and the suite ---------------------------------------


@pytest.fixture
def student_folder(tmp_path: Path) -> Path:
    shutil.copy(LECTURE_EX1, tmp_path / "app.py")
    (tmp_path / "clone").mkdir()
    return tmp_path


def wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within 60 s")


def test_the_readme_commands_run(student_folder: Path) -> None:
    port = str(free_port())
    shown = [c.replace("8000", port) for c in commands(README)]
    server = None
    try:
        for command in shown:
            program = command.split()[0]
            if command.startswith("python3 dev.py "):
                job = command.split()[2]
                source = (REPO / "dev.py").read_text()
                assert re.search(rf'\bJOBS = \{{.*"{job}":', source), command
            elif command == "pip install .":  # in a copy of the clone: its build writes there
                clone = student_folder / "clone"
                for name in ("pyproject.toml", "README.md", "conformance", "reference_app"):
                    copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
                    copy(REPO / name, clone / name)
                done = run("pip install --dry-run --no-deps --quiet .", clone, timeout=300)
                assert done.returncode == 0, done.stderr
            elif program == "uvicorn":
                server = subprocess.Popen(
                    ["bash", "-c", f"exec {command}"],
                    cwd=student_folder,
                    env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                wait_for(f"http://127.0.0.1:{port}/", server)
            elif program == "pytest":
                done = run(command, student_folder)
                assert done.returncode == 0, done.stdout[-3000:]
                assert f"conformance: http://127.0.0.1:{port} serves ex1" in done.stdout
            elif "schemathesis run" in command:
                done = run(f"{command} --max-examples 3", student_folder)
                assert done.returncode == 0, done.stdout[-3000:]
            elif program != "conformance":  # the teacher's: run with the guide's
                pytest.fail(f"README.md: this test cannot run {command!r}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
