"""The launcher: the first program in a student's sandbox, before any of the student's code.

Run as ``python -I -S -c <this file's text> SETTINGS COMMAND...`` (standard library only: it
never imports the grader's package, which the sandbox does not show). While it is still root
(inside the sandbox's namespaces) it mounts the read-only layers the server sees (overlays of
the Python install, the lecture's site-packages and the submission's copy), drops the mounts
they were made from, and sizes /tmp; then it sets the rlimits, drops to the job slot's uid,
forbids gaining privileges (``PR_SET_NO_NEW_PRIVS``), asks to die with its parent, installs
the seccomp filter, closes every descriptor but the ones it is told to keep, and execs the
server. ``SETTINGS`` is the JSON :func:`conformance.grader.sandbox.limits.launcher` writes.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import stat
import sys
from typing import Any

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS = 1, 22, 38
SECCOMP_MODE_FILTER = 2
HIDE = "/.lower/hide"


def fail(what: str) -> None:
    sys.exit(f"conformance: {what}: {os.strerror(ctypes.get_errno())}")


def whiteouts(lowers: list[str], shown: list[str], hide: str) -> None:
    """In ``hide`` (an overlay's top layer), a whiteout for every entry of ``lowers`` that
    is neither in ``shown`` nor a folder above something shown ("" shows everything)."""
    tree: dict[str, Any] = {}
    for relative in shown:
        node = tree
        for part in [p for p in relative.split("/") if p]:
            node = node.setdefault(part, {})
        node[""] = {}  # shown whole from here
    if "" in tree:
        return

    def walk(relative: str, node: dict[str, Any]) -> None:
        names: set[str] = set()
        for lower in lowers:
            try:
                names.update(os.listdir(os.path.join(lower, relative)))
            except OSError:
                continue
        for name in names:
            path = os.path.join(relative, name)
            if name not in node:
                os.makedirs(os.path.join(hide, relative), exist_ok=True)
                os.mknod(os.path.join(hide, path), stat.S_IFCHR | 0o600, os.makedev(0, 0))
            elif "" not in node[name]:
                walk(path, node[name])

    walk("", tree)


def mount_layers(libc: Any, layers: list[dict[str, Any]]) -> None:
    """Each layer an overlay of its lower folders, what it does not show whited out; then the
    lower folders' own mounts (and the whiteouts' tmpfs) are detached and their mount points
    removed, so that the mount table names neither."""
    os.makedirs(HIDE)
    if libc.mount(b"none", HIDE.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755") != 0:
        fail(f"{HIDE} not mounted")
    lowers_all = []
    for index, layer in enumerate(layers):
        hide = f"{HIDE}/{index}"
        os.mkdir(hide)
        whiteouts(layer["lowers"], layer["shown"], hide)
        options = "lowerdir=" + ":".join([hide, *layer["lowers"]])
        flags = MS_RDONLY | MS_NOSUID | MS_NODEV
        if libc.mount(b"overlay", layer["inside"].encode(), b"overlay", flags, options.encode()):
            fail(f"{layer['inside']} not mounted")
        lowers_all += layer["lowers"]
    for path in [HIDE, *lowers_all]:
        if libc.umount2(path.encode(), MNT_DETACH) != 0:
            fail(f"{path} not detached")
        os.rmdir(path)
    os.rmdir(os.path.dirname(HIDE))


def size_tmp(libc: Any, size: int, uid: int) -> None:
    """bubblewrap's tmpfs /tmp: sized, and a HOME in it given to ``uid``."""
    options = f"size={size},mode=1777".encode()
    if libc.mount(None, b"/tmp", None, MS_REMOUNT | MS_NOSUID | MS_NODEV, options) != 0:
        fail("/tmp not sized")
    os.mkdir("/tmp/home", 0o700)
    os.chown("/tmp/home", uid, uid)


def confine(libc: Any, program: bytes) -> None:
    """Install the seccomp filter (see grader/sandbox/seccomp.py); no-new-privs is already set."""

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    filter_ = Program(len(program) // 8, program)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(filter_), 0, 0) != 0:
        fail("seccomp filter not set")


def close_descriptors(keep: set[int]) -> None:
    """Close every descriptor but 0, 1, 2 and ``keep`` (what bubblewrap was given stays out)."""
    try:
        open_now = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        open_now = list(range(3, 1024))
    for fd in open_now:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def main(argv: list[str]) -> None:
    settings = json.loads(argv[1])
    command = argv[2:]
    linux = sys.platform.startswith("linux")
    libc = ctypes.CDLL(None, use_errno=True)
    if settings.get("layers"):
        mount_layers(libc, settings["layers"])
    for name, value in settings["rlimits"].items():
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (AttributeError, ValueError, OSError) as error:
            print(f"conformance: {name} not set: {error}", file=sys.stderr)
    uid = settings["uid"]
    if settings["tmp_bytes"]:
        size_tmp(libc, settings["tmp_bytes"], uid)
    if settings.get("chdir"):
        os.chdir(settings["chdir"])  # the layer mounted there, not the folder under it
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    os.umask(0o077)
    if linux:
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # after the uid change
    if settings.get("seccomp"):
        confine(libc, bytes.fromhex(settings["seccomp"]))
    os.environ.update(settings.get("environ", {}))
    close_descriptors(set(settings.get("keep_fds", [])))
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
