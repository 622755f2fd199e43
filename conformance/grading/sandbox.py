"""The sandbox each student's server runs in, and which of its protections this OS provides.

With bubblewrap (``bwrap``) the server runs in its own PID, network, IPC and UTS namespaces,
in a filesystem that shows only the system's read-only programs and libraries, the Python
that runs it (its site-packages read-only, this grader's own package hidden), a read-only
private copy of the submission at ``/submission`` and a private writable ``/tmp``. It accepts
on a Unix socket the grader made and passed it by descriptor (:mod:`.forward`). When the
grader runs as root, each parallel job slot has a uid of its own (no passwd entry needed).
Limits are set by the launcher (:mod:`conformance.grading.limits`). Whatever the OS lacks is
switched off and said so by :func:`Protections.report`.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conformance.grading import cgroup, seccomp
from conformance.grading.stage import Stage

INSIDE_APP = "/submission"
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "alternatives",
    "fonts",
    "mime.types",
    "ssl",
    "nsswitch.conf",
    "hosts",
)
"""The only files of /etc the server sees (read-only), plus a passwd and group of its own."""


@dataclass(frozen=True)
class Protections:
    """What this OS lets the grader do; each off protection is printed at the start."""

    bwrap: str | None
    root: bool
    unix_sockets: bool
    tmpfs: bool = False
    """/tmp can be a sized tmpfs mount (root and bubblewrap)."""
    seccomp: bool = False
    """The launcher installs the seccomp filter (Linux on a CPU it knows): no user namespace."""
    cgroups: cgroup.Hierarchy | None = None
    """A cgroup per job slot (root): memory, processes and CPU bounded per submission."""

    @classmethod
    def detect(cls, mode: str = "auto") -> Protections:
        """``auto``: everything available; ``off``: none (for comparison runs only)."""
        if mode == "off" or not sys.platform.startswith(("linux", "darwin", "freebsd")):
            return cls(None, False, hasattr(os, "fork") and mode != "off")
        linux = sys.platform.startswith("linux")
        root = linux and os.geteuid() == 0
        bwrap = _working_bwrap()
        tmpfs = bwrap is not None and root and _tmpfs_works(bwrap)
        confined = linux and seccomp.program() is not None
        groups = cgroup.detect() if root else None
        return cls(bwrap, root, True, tmpfs=tmpfs, seccomp=confined, cgroups=groups)

    @property
    def namespaces(self) -> bool:
        return self.bwrap is not None

    def missing(self) -> list[str]:
        """Each protection that is off, and what it means."""
        off = []
        if not self.namespaces:
            off.append(
                "no bubblewrap (apt-get install bubblewrap) or no user namespaces: servers see "
                "the whole filesystem, other servers' processes and the host network, and a "
                "daemon started with setsid can outlive grading"
            )
        if not self.root:
            off.append(
                "not root: every server runs under your own uid, so it can read what you "
                "can read, without a process limit (a uid per job needs root) and without "
                "a cgroup (memory and CPU are limited per process, not per submission)"
            )
        elif self.cgroups is None:
            off.append(
                "no cgroup per job slot (it needs cgroup v2 with the memory and pids "
                "controllers, or their v1 hierarchies, mounted writable): memory and CPU "
                "are limited per process, not per submission"
            )
        if not self.unix_sockets:
            off.append("no Unix sockets: servers listen on a free 127.0.0.1 port")
        if sys.platform.startswith("linux") and not self.seccomp:
            cpu = "" if seccomp.program() else f" for this CPU ({platform.machine()})"
            off.append(
                f"no seccomp filter{cpu}: a server can make a user namespace of its own, and "
                "in it mount a tmpfs past the /tmp limit"
            )
        if self.namespaces and self.root and not self.tmpfs:
            off.append(
                "no sized tmpfs in the sandbox: each server's /tmp is a folder on your disk, "
                "limited per file, not in total"
            )
        return off

    def report(self) -> str:
        off = self.missing()
        if not off:
            assert self.cgroups is not None
            return (
                "sandbox: namespaces, own uid per job, private filesystem, no user namespaces, "
                f"a cgroup per job ({self.cgroups.describe()}), limits: all on"
            )
        return "sandbox: some protections are OFF on this system:\n" + "\n".join(
            f"  - {line}" for line in off
        )


@functools.cache
def _tmpfs_works(bwrap: str) -> bool:
    """Whether the full sandbox's sized /tmp works here, tried once per process: bubblewrap
    makes the tmpfs, the launcher sizes it as root, and a file can be written in it (what a
    student's server then does)."""
    from conformance.grading.limits import Limits, launcher

    empty = Path(tempfile.mkdtemp(prefix="conformance-probe-"))
    stage = Stage(empty, None)
    write = "open('/tmp/home/probe', 'w').write('written')"
    inner = launcher(Limits(), 0, [sys.executable, "-I", "-S", "-c", write], size_tmp=True)
    try:
        done = subprocess.run(
            bwrap_command(bwrap, stage, inner, hide=[], tmpfs=True),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        stage.cleanup()
        shutil.rmtree(empty, ignore_errors=True)
    return done.returncode == 0


def _working_bwrap() -> str | None:
    path = shutil.which("bwrap")
    if path is None:
        return None
    try:
        done = subprocess.run(
            [path, "--unshare-all", "--ro-bind", "/", "/", "true"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return path if done.returncode == 0 else None


def _hidden_grader_files() -> list[Path]:
    """This grader's own package and the .pth files that put it on sys.path."""
    hidden: list[Path] = []
    spec = importlib.util.find_spec("conformance")
    if spec is not None and spec.submodule_search_locations:
        hidden += [Path(p) for p in spec.submodule_search_locations]
    for site in {Path(p) for p in sys.path if p.endswith("site-packages")}:
        if site.is_dir():
            hidden += [p for p in site.iterdir() if "conformance" in p.name and p.is_file()]
    return hidden


def python_folders() -> list[Path]:
    """What the server's Python needs, read-only: its prefixes (every link of the executable
    followed) and the site-packages on sys.path; never the grader's working folder."""
    chosen = {Path(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    executable = Path(sys.executable)
    for _ in range(10):  # venv -> venv -> base: each link's install
        chosen.add(executable.parent.parent)
        if not executable.is_symlink():
            break
        executable = executable.parent / os.readlink(executable)
    chosen.add(Path(os.path.realpath(sys.executable)).parent.parent)
    chosen |= {Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    folders = sorted(p for p in chosen if p.is_dir() and not str(p).startswith("/usr/"))
    outermost = [p for p in folders if not any(q in p.parents for q in folders)]
    return [p for p in outermost if p != Path("/")]


def bwrap_command(
    bwrap: str,
    stage: Stage,
    inner: list[str],
    *,
    hide: list[Path] | None = None,
    tmpfs: bool = False,
) -> list[str]:
    """``inner`` run by bubblewrap in its own namespaces and minimal filesystem.

    ``tmpfs``: /tmp is a tmpfs in memory, which the launcher sizes while it is still root
    (nothing the server writes reaches the grader's disk); else the stage's folder on disk.
    The server's socket is no folder of the sandbox: it inherits the listening descriptor.
    """
    tmp = ["--perms", "1777", "--tmpfs", "/tmp"] if tmpfs else ["--bind", str(stage.tmp), "/tmp"]
    command = [
        bwrap,
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "student",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        *tmp,  # first: a Python installed under /tmp is then bound on top of it
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    command += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC:
        command += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    command += ["--ro-bind", str(stage.passwd), "/etc/passwd"]
    command += ["--ro-bind", str(stage.group), "/etc/group"]
    made: set[Path] = set()
    for folder in python_folders():
        for parent in reversed(folder.parents[:-1]):  # traversable, whatever the host's
            if parent not in made:
                made.add(parent)
                command += ["--perms", "0755", "--dir", str(parent)]
        command += ["--ro-bind", str(folder), str(folder)]
    for path in hide if hide is not None else _hidden_grader_files():
        command += (
            ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
        )
    command += [
        "--ro-bind",
        str(stage.app),
        INSIDE_APP,
        "--chdir",
        INSIDE_APP,
        "--",
        *inner,
    ]
    return command
