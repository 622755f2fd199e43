"""The private copy of a submission (``stage.Stage``): what is copied, what never is; and the
grader's own socket folder, which no name the student controls can redirect.

A submission folder is the student's: it may hold a named pipe (a read from it never ends),
a committed virtualenv, a huge file or a flood of small ones. The copy must finish, promptly,
with the app, or refuse with a reason the grader shows as "could not be copied".
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.grader.sandbox import stage as staging
from conformance.grader.sandbox.forward import SOCKET_NAME, Listener
from conformance.grader.sandbox.stage import Stage

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


def test_the_grader_connects_only_to_the_socket_it_bound(tmp_path: Path) -> None:
    """The server gets the listening socket's descriptor; the name stays the grader's, and a
    connection is refused when the name is swapped or another uid listens on it."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    listener = Listener(folder, os.getuid())
    server = socket.socket(fileno=os.dup(listener.fd))  # as the server inherits it
    listener.release()
    try:
        server.listen()  # what uvicorn's event loop does: the listening uid is now its own
        with listener.connect(timeout=5) as sock:
            accepted, _ = server.accept()
            accepted.close()
        assert sock.family == socket.AF_UNIX
        other = socket.socket(socket.AF_UNIX)
        other.bind(str(tmp_path / "other.sock"))
        other.listen()
        (folder / SOCKET_NAME).unlink()
        (folder / SOCKET_NAME).symlink_to(tmp_path / "other.sock")
        with pytest.raises(ConnectionRefusedError, match="no longer the grader's socket"):
            listener.connect(timeout=5)
        other.close()
    finally:
        server.close()
        listener.close()
    (tmp_path / "run2").mkdir(mode=0o700)
    someone = Listener(tmp_path / "run2", os.getuid() + 1)  # the student's uid is not ours
    listens = "import socket, sys, time; s = socket.socket(fileno=int(sys.argv[1])); s.listen()"
    child = subprocess.Popen(
        [sys.executable, "-c", f"{listens}; print(1, flush=True); time.sleep(30)", str(someone.fd)],
        pass_fds=(someone.fd,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    someone.release()
    try:
        assert child.stdout is not None and child.stdout.readline()
        with pytest.raises(ConnectionRefusedError, match="of uid"):
            someone.connect(timeout=5)
    finally:
        child.kill()
        child.wait()
        assert child.stdout is not None
        child.stdout.close()
        someone.close()
