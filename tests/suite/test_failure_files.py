"""The files a failure leaves for the student (a replay script, a long body) are private.

On a machine a class shares, ``/tmp`` is everybody's: another user could make our folder first,
or plant a link where our next script goes. Each user gets ``$TMPDIR/<name>-<uid>``, closed to
others; a folder that is not ours (or not a folder) is passed over for a fresh private one.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance import failure
from conformance.failure import Earlier, Failure, Sent

JSON = "application/json"


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A TMPDIR of the test's own, and no folder remembered from an earlier test."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    failure.own_folder.cache_clear()
    yield tmp_path
    failure.own_folder.cache_clear()


def sequence() -> Failure:
    first = Sent("POST", "http://127.0.0.1:8000/fit", b'{"X": [[1.0]], "y": [2.0]}', JSON)
    last = Sent("POST", "http://127.0.0.1:8000/predict", b'{"X": [[1.0]]}', JSON)
    return Failure("200", "500", "the answer", last, (Earlier(first, 200),))


def test_a_replay_script_is_written_where_the_message_says_in_a_private_folder(
    private_tmp: Path,
) -> None:
    shown = sequence().render()
    path = sequence().save_replay()
    assert path is not None and f"sh {path}" in shown
    assert path.parent == private_tmp / f"conformance-sequences-{os.getuid()}"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "curl" in path.read_text(encoding="utf-8")


def test_a_folder_that_is_a_link_is_passed_over(private_tmp: Path) -> None:
    elsewhere = private_tmp / "someone-else"
    elsewhere.mkdir()
    (private_tmp / f"conformance-sequences-{os.getuid()}").symlink_to(elsewhere)
    path = sequence().save_replay()
    assert path is not None and path.is_file()
    assert not list(elsewhere.iterdir()), "nothing written through the link"
    assert not path.parent.is_symlink() and path.parent.parent == private_tmp


@pytest.mark.skipif(os.geteuid() != 0, reason="making a folder another user owns needs root")
def test_a_folder_another_user_owns_is_passed_over(private_tmp: Path) -> None:
    theirs = private_tmp / f"conformance-sequences-{os.getuid()}"
    theirs.mkdir(mode=0o777)
    os.chown(theirs, 4242, 4242)
    path = sequence().save_replay()
    assert path is not None and path.parent != theirs
    assert not list(theirs.iterdir())
