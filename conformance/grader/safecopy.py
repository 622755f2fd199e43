"""Copying a folder a student controls: no link followed, only regular files, bounded.

The folder is walked through descriptors (``openat`` with ``O_NOFOLLOW``): a link, at any
depth, is never followed, so no name in the submission can lead the copy out of it. Named
pipes, sockets and devices are left out (a read from them may never end). The whole folder is
measured first; one over :data:`MAX_BYTES` or :data:`MAX_FILES` is not copied at all.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_BYTES = 50 * 1024 * 1024
"""The most one submission's copied files may hold."""
MAX_FILES = 2000
"""The most files one submission may have copied."""
MAX_DEPTH = 32
"""Folders nested deeper than this are left out."""
SKIPPED = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules", ".mypy_cache"})
"""Folders never copied (a committed virtual environment, caches, git's own files)."""


@dataclass
class Copied:
    """What one submission's copy did."""

    files: int = 0
    size: int = 0
    left_out: list[str] = field(default_factory=list)
    """Links and special files (named pipes, devices...), relative to the copied folder."""


class TooLarge(Exception):
    """A submission over the limits."""


@contextmanager
def opened_folder(path: str, dir_fd: int | None = None) -> Iterator[int]:
    """A folder opened without following a link (``O_NOFOLLOW``): its descriptor."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        yield fd
    finally:
        os.close(fd)


def is_folder(parent: Path, name: str) -> bool:
    """``parent/name`` is a folder itself, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(parent / name).st_mode)
    except OSError:
        return False


def is_file(folder: Path, relative: str) -> bool:
    """``folder/relative`` is a regular file reached through no link at all."""
    *dirs, name = relative.split("/")
    current = folder
    for part in dirs:
        if not is_folder(current, part):
            return False
        current = current / part
    try:
        return stat.S_ISREG(os.lstat(current / name).st_mode)
    except OSError:
        return False


def copy_tree(source: Path, target: Path) -> Copied:
    """Copy the folder ``source`` (a student's) to ``target``, following no link; raise
    :class:`TooLarge` (having copied nothing) when it is over the limits."""
    done = Copied()
    with opened_folder(str(source)) as fd:
        _measure(fd, "", done, 0)
        target.mkdir(parents=True, exist_ok=True)
        _copy(fd, target, 0)
    return done


def _entries(fd: int) -> list[os.DirEntry[str]]:
    with os.scandir(fd) as entries:
        return sorted(entries, key=lambda e: e.name)


def _measure(fd: int, prefix: str, done: Copied, depth: int) -> None:
    for entry in _entries(fd):
        kind = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(kind):
            if entry.name not in SKIPPED and depth < MAX_DEPTH:
                with opened_folder(entry.name, dir_fd=fd) as inner:
                    _measure(inner, f"{prefix}{entry.name}/", done, depth + 1)
        elif stat.S_ISREG(kind):
            if not entry.name.endswith(".pyc"):
                done.files += 1
                done.size += entry.stat(follow_symlinks=False).st_size
                if done.files > MAX_FILES or done.size > MAX_BYTES:
                    raise TooLarge(
                        f"more than {MAX_BYTES // (1024 * 1024)} MiB or {MAX_FILES} files"
                    )
        else:
            done.left_out.append(prefix + entry.name)


def _copy(fd: int, target: Path, depth: int) -> None:
    """Copy what ``_measure`` counted; a file that grew meanwhile is cut at its counted size."""
    for entry in _entries(fd):
        kind = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(kind.st_mode):
            if entry.name in SKIPPED or depth >= MAX_DEPTH:
                continue
            (target / entry.name).mkdir()
            with opened_folder(entry.name, dir_fd=fd) as inner:
                _copy(inner, target / entry.name, depth + 1)
        elif stat.S_ISREG(kind.st_mode) and not entry.name.endswith(".pyc"):
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
            source = os.open(entry.name, flags, dir_fd=fd)
            with os.fdopen(source, "rb") as inp, (target / entry.name).open("xb") as out:
                if not stat.S_ISREG(os.fstat(inp.fileno()).st_mode):
                    continue  # replaced by something else since it was counted
                shutil.copyfileobj(_Bounded(inp, kind.st_size), out)


class _Bounded:
    """At most ``limit`` bytes of a file (a file may not grow while it is copied)."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.stream = stream
        self.left = limit

    def read(self, size: int = -1) -> bytes:
        want = self.left if size < 0 else min(size, self.left)
        data = self.stream.read(want) if want > 0 else b""
        self.left -= len(data)
        return data
