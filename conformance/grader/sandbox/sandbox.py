"""The sandbox each student's server runs in, and which of its protections this OS provides.

With bubblewrap (``bwrap``) the server runs in its own PID, network, IPC and UTS namespaces,
in a filesystem that shows only the system's programs and libraries, the lecture's Python at
neutral paths and a private copy of the submission (:mod:`.box`). It accepts on a Unix socket
the grader made and passed it by descriptor (:mod:`.forward`). When the grader runs as root,
each parallel job slot has a uid of its own (no passwd entry needed) and a cgroup of its own
(:mod:`.cgroup`). The launcher (:mod:`.launch`) sets the limits and the seccomp filter
(:mod:`.seccomp`). Whatever the OS lacks is switched off and said so by
:meth:`Protections.report`; what makes grading pointless (the slots' uid cannot even start the
Python) is said by :meth:`Protections.problem`.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from conformance.grader.sandbox import cgroup, runtime, seccomp
from conformance.grader.sandbox.box import INSIDE_APP, Box
from conformance.grader.sandbox.stage import Stage

__all__ = ["INSIDE_APP", "Box", "Protections"]

NOBODY = 65534
"""The uid the start-up checks run the server's Python as: like a job slot's, it owns nothing
and is in no group."""


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
    overlay: bool = False
    """The launcher mounts the sandbox's folders as overlays (root and bubblewrap): its mount
    table names no folder of the host."""
    cgroups: cgroup.Hierarchy | None = None
    """A cgroup per job slot (root): memory, processes and CPU bounded per submission."""
    unreachable: str | None = None
    """Without bubblewrap, as root: why a job slot's uid cannot start this Python (or None)."""

    @classmethod
    def detect(cls, mode: str = "auto") -> Protections:
        """``auto``: everything available; ``off``: none (for comparison runs only)."""
        if mode == "off" or not sys.platform.startswith(("linux", "darwin", "freebsd")):
            return cls(None, False, hasattr(os, "fork") and mode != "off")
        linux = sys.platform.startswith("linux")
        root = linux and os.geteuid() == 0
        bwrap = _working_bwrap()
        found = cls(bwrap, root, True, seccomp=linux and seccomp.program() is not None)
        if root:
            found = replace(found, cgroups=cgroup.detect())
        if bwrap is not None and root:
            tmpfs, overlay = _features(bwrap)
            found = replace(found, tmpfs=tmpfs, overlay=overlay)
        elif root:
            found = replace(found, unreachable=unreachable())
        return found

    @property
    def namespaces(self) -> bool:
        return self.bwrap is not None

    def box(self, *, tmpfs: bool) -> Box:
        """How a server is sandboxed here (bubblewrap only); ``tmpfs``: a sized /tmp."""
        assert self.bwrap is not None
        return Box(self.bwrap, runtime.plan(), self.overlay, tmpfs)

    def missing(self) -> list[str]:
        """Each protection that is off, and what it means."""
        off = []
        if not self.namespaces:
            off.append(
                "no bubblewrap (apt-get install bubblewrap) or no user namespaces: servers see "
                "the whole filesystem (the grader's package and reference apps too), other "
                "servers' processes and the host network, and a daemon started with setsid "
                "can outlive grading"
            )
        if not self.root:
            off.append(
                "not root: every server runs under your own uid, so it can read what you "
                "can read, without a process limit (a uid per job needs root) and without "
                "a cgroup (memory, processes and CPU are limited per process only)"
            )
        elif self.cgroups is None:
            off.append(
                "no cgroup for each job slot (cgroup v2 with memory and pids, or their v1 "
                "hierarchies, mounted writable): memory, processes and CPU are limited per "
                "process only, not per submission"
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
        if self.namespaces and not self.overlay:
            off.append(
                "no overlay mounts in the sandbox (they need root): its mount table shows "
                "where Python, its packages and each submission's copy are on this machine"
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

    def problem(self) -> str | None:
        """Why no server could start here at all, and what to change (None: none)."""
        if self.unreachable is None:
            return None
        return (
            f"a job slot's uid cannot start this Python, {sys.executable} "
            f"({self.unreachable}): install "
            "bubblewrap (apt-get install bubblewrap), or let every user enter the folders "
            "above the Python, its packages and $TMPDIR (chmod o+x), or grade as a user "
            "other than root"
        )


@functools.cache
def _features(bwrap: str) -> tuple[bool, bool]:
    """(sized /tmp, overlays): what the full sandbox can do here, tried once per process in a
    throwaway sandbox with the real layers: overlays and a sized /tmp, else a sized /tmp
    alone (the sandbox then binds its folders), else neither."""
    for tmpfs, overlay in ((True, True), (True, False), (False, False)):
        if _sandbox_works(bwrap, tmpfs=tmpfs, overlay=overlay):
            return tmpfs, overlay
    return False, False


def _sandbox_works(bwrap: str, *, tmpfs: bool, overlay: bool) -> bool:
    """Whether a sandbox of this kind starts the server's Python and writes to its /tmp."""
    from conformance.grader.sandbox.limits import Limits, launcher

    empty = Path(tempfile.mkdtemp(prefix="conformance-probe-"))
    stage = Stage(empty, NOBODY)
    box = Box(bwrap, runtime.plan(), overlay, tmpfs)
    site = box.runtime.site.inside
    check = f"import os; open('/tmp/probe', 'w').write(str(os.listdir({site!r})))"
    inner = launcher(
        Limits(processes=0),
        NOBODY,
        [box.python, "-I", "-c", check],
        size_tmp=tmpfs,
        python=box.launcher_python,
        extra=box.settings(),
    )
    boxed = None
    try:
        boxed = box.command(stage, inner)
        done = subprocess.run(
            boxed.argv,
            env=box.environment({"LANG": "C.UTF-8"}),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            check=False,
            pass_fds=boxed.fds,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        if boxed is not None:
            boxed.close()
        stage.cleanup()
        shutil.rmtree(empty, ignore_errors=True)
    return done.returncode == 0


def unreachable() -> str | None:
    """Without bubblewrap: why a uid that owns nothing cannot start this Python with a copy of
    a submission in $TMPDIR (a folder above them only root may enter), or None."""
    from conformance.grader.sandbox.limits import Limits, launcher

    empty = Path(tempfile.mkdtemp(prefix="conformance-probe-"))
    (empty / "app.py").write_text("")
    stage = Stage(empty, NOBODY)
    check = "import os, uvicorn, fastapi; open('app.py').close()"
    command = launcher(Limits(processes=0), NOBODY, [sys.executable, "-c", check], confine=False)
    try:
        done = subprocess.run(
            command,
            cwd=stage.app,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        stage.cleanup()
        shutil.rmtree(empty, ignore_errors=True)
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


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
