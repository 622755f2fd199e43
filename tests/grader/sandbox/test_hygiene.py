"""Grading as a new user would: from a checkout in a folder only its owner can enter, and
writing nothing outside its output folders.

The project is copied into a ``mktemp -d`` folder (mode 0700, as root's HOME is) with a venv of
its own that sees this one's packages, compiled as an install is (``pip`` compiles what it
installs). The lecture's ex2 (numpy, scikit-learn, matplotlib: the grader draws the reference
plot in its own process) is graded there with a fresh HOME and TMPDIR; then every file of the
HOME, the copy's venv and the copy itself, bytecode included, is as it was, and so are the
bytecode caches of the packages it shares.
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from paths import REPO

from conformance.grader.sandbox.sandbox import Protections

LECTURE_EX2 = REPO / "tests" / "lecture" / "ex2_app.py"
OUTER = Path(sysconfig.get_paths()["purelib"])


def _fingerprint(*roots: Path) -> dict[str, str]:
    """Path -> sha256 of every file (and every folder, link) under ``roots``."""
    prints = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_symlink():
                prints[str(path)] = f"-> {os.readlink(path)}"
            elif path.is_file():
                prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                prints[str(path)] = "dir"
    return prints


def _bytecode(root: Path) -> set[str]:
    """Every compiled file in ``root``'s bytecode caches (a pytest session writes its own)."""
    return {str(path) for path in root.rglob("__pycache__/*.pyc")}


@pytest.fixture
def private_folder() -> Iterator[Path]:
    """A folder only its owner can enter, as ``mktemp -d`` makes."""
    folder = Path(tempfile.mkdtemp(prefix="conformance-clone-"))
    try:
        assert folder.stat().st_mode & 0o777 == 0o700
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _clone(folder: Path) -> Path:
    """The project's packages in ``folder``, with a venv that sees this one's packages."""
    checkout = folder / "checkout"
    for package in ("conformance", "reference_app"):
        skipped = shutil.ignore_patterns("__pycache__")
        shutil.copytree(REPO / package, checkout / package, ignore=skipped)
    assert compileall.compile_dir(checkout, quiet=1)
    venv = [sys.executable, "-m", "venv", "--without-pip", str(checkout / ".venv")]
    subprocess.run(venv, check=True)
    python = checkout / ".venv" / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "checkout.pth").write_text(f"{checkout}\n")  # like the editable install's
    Path(site, "outer.pth").write_text(f"import site; site.addsitedir({str(OUTER)!r})\n")
    return python


def test_a_clone_in_a_private_folder_grades_and_writes_nothing_outside_its_outputs(
    private_folder: Path,
) -> None:
    protections = Protections.detect()
    if protections.problem():  # no bubblewrap, root: the grader must say so and stop
        pytest.skip(protections.problem() or "")
    python = _clone(private_folder)
    checkout = private_folder / "checkout"
    home, tmp, out = (private_folder / name for name in ("home", "tmp", "out"))
    for folder in (home, tmp):
        folder.mkdir()
    app = private_folder / "subs" / "alice" / "app.py"
    app.parent.mkdir(parents=True)
    shutil.copy(LECTURE_EX2, app)
    found = subprocess.run(
        [python, "-c", "import conformance; print(conformance.__file__)"],
        cwd=private_folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found.startswith(str(checkout)), found
    before = _fingerprint(home, checkout)
    shared = _bytecode(OUTER)
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(home), "TMPDIR": str(tmp)}
    command = [str(python), "-m", "conformance.cli", "grade", "ex2", str(app), "--seed", "7"]
    command += ["--reports", str(out), "--csv", str(out / "grades.csv")]
    done = subprocess.run(
        command, cwd=private_folder, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [path] = out.glob("*.json")  # the student's report
    report = json.loads(path.read_text())
    assert report["score"] == 100, report["output"][-3000:]
    assert "PermissionError" not in path.with_suffix(".server.log").read_text()
    after = _fingerprint(home, checkout)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert not changed, changed
    assert _bytecode(OUTER) == shared, sorted(_bytecode(OUTER) - shared)
    assert not list(tmp.iterdir()), "the grader's temp folders are removed"


@pytest.mark.skipif(os.geteuid() != 0, reason="a uid per job slot needs root")
def test_without_bubblewrap_a_private_folder_is_refused_with_what_to_change(
    private_folder: Path,
) -> None:
    """No bubblewrap on PATH, as root: the slots' uid cannot enter the folder the venv is
    in, so the grader says what to change before grading anyone (not 0 for everyone)."""
    python = _clone(private_folder)
    app = private_folder / "subs" / "alice" / "app.py"
    app.parent.mkdir(parents=True)
    shutil.copy(LECTURE_EX2, app)
    nothing = private_folder / "bin"  # a PATH without bwrap
    nothing.mkdir()
    env = {"PATH": str(nothing), "LANG": "C.UTF-8", "HOME": str(private_folder)}
    command = [str(python), "-m", "conformance.cli", "grade", "ex2", str(app)]
    command += ["--report", str(private_folder / "report.json")]
    done = subprocess.run(
        command, cwd=private_folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2, done.stderr[-3000:]
    sentence = done.stderr.strip().splitlines()[-1]
    assert sentence.startswith("conformance grade: a job slot's uid cannot start this Python")
    assert f"Python, {python} (PermissionError" in sentence
    assert "apt-get install bubblewrap" in sentence
    assert "chmod o+x" in sentence
    assert not (private_folder / "report.json").exists(), "nobody was graded"
