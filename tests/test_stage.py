"""The private copy of a submission (``stage.Stage``): what is copied, what never is.

A submission folder is the student's: it may hold a named pipe (a read from it never ends),
a committed virtualenv, a huge file or a flood of small ones. The copy must finish, promptly,
with the app, or refuse with a reason the grader shows as "could not be copied".
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.grading import stage as staging
from conformance.grading.stage import Stage

APP = "from fastapi import FastAPI\napp = FastAPI()\n"


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "app.py").write_text(APP)
    return folder


@pytest.fixture
def stages() -> Iterator[list[Stage]]:
    made: list[Stage] = []
    yield made
    for stage in made:
        stage.cleanup()


def test_pipes_and_sockets_are_left_out_and_the_copy_ends(
    submission: Path, stages: list[Stage]
) -> None:
    os.mkfifo(submission / "pipe")
    (submission / "data").mkdir()
    os.mkfifo(submission / "data" / "inner-pipe")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(submission / "data" / "sock"))
    try:
        stage = Stage(submission, None)
        stages.append(stage)
    finally:
        listener.close()
    assert (stage.app / "app.py").read_text() == APP
    assert sorted(p.name for p in stage.app.rglob("*")) == ["app.py", "data"]


def test_a_committed_virtualenv_is_neither_copied_nor_counted(
    submission: Path, stages: list[Stage]
) -> None:
    venv = submission / ".venv" / "lib"
    venv.mkdir(parents=True)
    with (venv / "big.so").open("wb") as big:  # sparse: large in size, nothing on disk
        big.truncate(staging.COPY_LIMIT + 1)
    stage = Stage(submission, None)
    stages.append(stage)
    assert not (stage.app / ".venv").exists()
    assert (stage.app / "app.py").is_file()


@pytest.mark.parametrize("what", ["bytes", "files"])
def test_a_folder_over_the_limits_is_refused_with_the_reason(
    submission: Path, what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if what == "bytes":
        with (submission / "data.bin").open("wb") as big:
            big.truncate(staging.COPY_LIMIT + 1)
    else:
        monkeypatch.setattr(staging, "COPY_FILES", 50)
        for index in range(50):
            (submission / f"note{index}.txt").write_text("x")
    scratch = Path(tempfile.mkdtemp(prefix="stage-"))  # short: the stage stays in it
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    try:
        with pytest.raises(ValueError, match="holds more than 200 MiB or") as refused:
            Stage(submission, None)
        assert not list(scratch.iterdir()), "a refused copy leaves nothing behind"
    finally:
        shutil.rmtree(scratch)
    assert str(submission) in str(refused.value) and "not copied" in str(refused.value)


def test_a_single_file_submission_must_be_a_regular_file(
    submission: Path, stages: list[Stage]
) -> None:
    os.mkfifo(submission / "bob.py")
    with pytest.raises(ValueError, match="not a regular file"):
        Stage(submission, None, only="bob.py")
    stage = Stage(submission, None, only="app.py")
    stages.append(stage)
    assert sorted(p.name for p in stage.app.iterdir()) == ["app.py"]
