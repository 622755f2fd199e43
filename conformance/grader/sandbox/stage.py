"""The grader's private folder for one student's server: a read-only copy of the submission,
its tmp and the grader's socket folder, removed when the student is graded."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from conformance.grader.sandbox.forward import SOCKET_NAME

COPY_LIMIT = 200 * 1024 * 1024
"""Bytes of a submission folder copied into the sandbox; a larger folder is not graded."""
COPY_FILES = 10_000
"""Files of a submission folder copied into the sandbox; a folder with more is not graded."""

SKIPPED = shutil.ignore_patterns(".git", "__pycache__", ".venv", "venv", "node_modules", "*.pyc")


class Stage:
    """The grader's private folder for one server: the copy, its tmp, the socket's folder.

    The socket's folder (``run``) is the grader's alone (0700, never the slot's uid, never in
    the sandbox): the grader binds the server's listening socket there and hands the server
    only its descriptor.

    ``only``: copy just this file of ``folder`` (a submission given as ``alice.py``).
    """

    def __init__(self, folder: Path, uid: int | None, only: str | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="conformance-sandbox-"))
        if len(str(self.root / "run" / SOCKET_NAME)) > 100:  # off Linux, bound by this path
            shutil.rmtree(self.root)
            self.root = Path(tempfile.mkdtemp(prefix="conformance-sandbox-", dir="/tmp"))
        self.uid = uid
        self.app = self.root / "app"
        self.tmp = self.root / "tmp"
        self.run = self.root / "run"
        self.root.chmod(0o711)
        try:
            self._copy(folder, only)
        except BaseException:
            self.cleanup()
            raise
        self.run.mkdir(mode=0o700)
        self.tmp.mkdir(mode=0o700)
        if uid is not None:
            os.chown(self.tmp, uid, uid)
        (self.tmp / "home").mkdir()
        if uid is not None:
            os.chown(self.tmp / "home", uid, uid)
        self.passwd = self.root / "passwd"
        self.group = self.root / "group"
        student = uid if uid is not None else os.getuid()
        self.passwd.write_text(
            f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"student:x:{student}:{student}:student:/tmp/home:/usr/sbin/nologin\n"
        )
        self.group.write_text(f"root:x:0:\nstudent:x:{student}:\n")

    def _copy(self, folder: Path, only: str | None) -> None:
        if only is None:
            _copy(folder, self.app)
            return
        self.app.mkdir(mode=0o755)
        if _leads_outside(folder / only, folder):
            raise ValueError(f"{only} is a link to a file outside its folder; not copied")
        if not stat.S_ISREG((folder / only).stat().st_mode):
            raise ValueError(f"{only} is not a regular file; not copied")
        shutil.copyfile(folder / only, self.app / only)
        (self.app / only).chmod(0o644)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _copy(source: Path, target: Path) -> None:
    """A read-only private copy of the submission folder (symlinks kept as links).

    Left out: what :data:`SKIPPED` names, links that lead outside the folder, and anything
    that is not a file, folder or link (a named pipe or a device would never end a read).
    More than :data:`COPY_LIMIT` bytes or :data:`COPY_FILES` files is not copied at all.
    """
    total = files = 0

    def ignored(folder: str, names: list[str]) -> set[str]:
        nonlocal total, files
        left_out = set(SKIPPED(folder, names))
        for name in names:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            if name in left_out or stat.S_ISDIR(mode):
                continue
            if stat.S_ISLNK(mode):
                if _leads_outside(path, source):
                    left_out.add(name)
            elif stat.S_ISREG(mode):
                total, files = total + path.lstat().st_size, files + 1
                if total > COPY_LIMIT or files > COPY_FILES:
                    raise ValueError(
                        f"{source}: the submission folder holds more than "
                        f"{COPY_LIMIT // (1024 * 1024)} MiB or {COPY_FILES} files; not copied"
                    )
            else:
                left_out.add(name)
        return left_out

    shutil.copytree(source, target, symlinks=True, ignore=ignored)
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def _leads_outside(path: Path, folder: Path) -> bool:
    """A symlink to somewhere outside the submission (``app.py -> ~/.ssh/id_rsa``)."""
    if not path.is_symlink():
        return False
    return not path.resolve().is_relative_to(folder.resolve())
