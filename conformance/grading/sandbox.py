"""The sandbox each student's server runs in, and which of its protections this OS provides.

With bubblewrap (``bwrap``) the server runs in its own PID, network, IPC and UTS namespaces,
in a filesystem that shows only the system's read-only programs and libraries, the Python
that runs it (its site-packages read-only, this grader's own package hidden), a read-only
private copy of the submission at ``/submission`` and a private writable ``/tmp``. It listens
on a Unix domain socket in a folder only the grader can reach. When the grader runs as root,
each parallel job slot has a uid of its own (no passwd entry needed). Limits are set by the
launcher (:mod:`conformance.grading.limits`). Whatever the OS lacks is switched off and said
so by :func:`Protections.report`.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

INSIDE_APP = "/submission"
INSIDE_RUN = "/run/conformance"
SOCKET_NAME = "app.sock"
UID_BASE = 61000
"""First uid tried for job slot 0; uids with a passwd entry are skipped."""

COPY_LIMIT = 200 * 1024 * 1024
"""Bytes of a submission folder copied into the sandbox; a larger folder is not graded."""
COPY_FILES = 10_000
"""Files of a submission folder copied into the sandbox; a folder with more is not graded."""

SKIPPED = shutil.ignore_patterns(".git", "__pycache__", ".venv", "venv", "node_modules", "*.pyc")

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
    """/tmp and the socket folder can be sized tmpfs mounts (root and bubblewrap)."""

    @classmethod
    def detect(cls, mode: str = "auto") -> Protections:
        """``auto``: everything available; ``off``: none (for comparison runs only)."""
        if mode == "off" or not sys.platform.startswith(("linux", "darwin", "freebsd")):
            return cls(None, False, hasattr(os, "fork") and mode != "off")
        root = sys.platform.startswith("linux") and os.geteuid() == 0
        bwrap = _working_bwrap()
        return cls(bwrap, root, True, tmpfs=bwrap is not None and root and _tmpfs_works(bwrap))

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
                "can read, and without a process limit (a uid per job needs root)"
            )
        if not self.unix_sockets:
            off.append("no Unix sockets: servers listen on a free 127.0.0.1 port")
        if self.namespaces and self.root and not self.tmpfs:
            off.append(
                "no sized tmpfs in the sandbox: each server's /tmp is a folder on your disk, "
                "limited per file, not in total"
            )
        return off

    def report(self) -> str:
        off = self.missing()
        if not off:
            return "sandbox: namespaces, own uid per job, private filesystem, limits: all on"
        return "sandbox: some protections are OFF on this system:\n" + "\n".join(
            f"  - {line}" for line in off
        )


@functools.cache
def _tmpfs_works(bwrap: str) -> bool:
    """Whether the full sandbox's tmpfs mounts work here, tried once per process: bubblewrap
    makes them, the launcher sizes them as root, the grader reads a file in one through the
    sandbox init's ``/proc/PID/root`` (what a student's server and the grader then do)."""
    from conformance.grading.limits import Limits, launcher

    empty = Path(tempfile.mkdtemp(prefix="conformance-probe-"))
    stage = Stage(empty, None)
    marker = f"{INSIDE_RUN}/{SOCKET_NAME}"
    wait = f"import time; open({marker!r}, 'w').close(); time.sleep(30)"
    inner = launcher(Limits(), 0, [sys.executable, "-I", "-S", "-c", wait], tmpfs=INSIDE_RUN)
    try:
        process = subprocess.Popen(
            bwrap_command(bwrap, stage, inner, hide=[], tmpfs=True),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            child = inner_pid(process.pid)
            if child is not None and Path(f"/proc/{child}/root{marker}").exists():
                return True
            time.sleep(0.02)
        return False
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        stage.cleanup()
        shutil.rmtree(empty, ignore_errors=True)


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


def slot_uid(slot: int, base: int = UID_BASE) -> int:
    """The ``slot``-th uid from ``base`` with no passwd entry, never the grader's own.

    Not claimed: concurrent graders take theirs from :class:`UidPool`.
    """
    uid, found = base, -1
    while True:
        if not _has_passwd_entry(uid) and uid != os.getuid():
            found += 1
            if found == slot:
                return uid
        uid += 1


class UidPool:
    """``count`` uids of their own for the job slots, claimed against concurrent graders.

    Each uid is held with an exclusive ``flock`` on ``/run/lock/conformance-uid-N.lock`` (or
    in the temp folder) for as long as the pool is open, so two graders never share one, and
    killing every process of a slot's uid only ever hits this grader's servers.
    """

    def __init__(self, count: int, base: int = UID_BASE) -> None:
        self._held: list[TextIO] = []
        self.uids: list[int] = []
        uid = base
        while len(self.uids) < count:
            if not _has_passwd_entry(uid) and uid != os.getuid():
                claim = uid_claim(uid).open("a")
                try:
                    fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    claim.close()
                else:
                    self._held.append(claim)
                    self.uids.append(uid)
            uid += 1

    def close(self) -> None:
        for claim in self._held:
            claim.close()
        self._held = []


def uid_claim(uid: int) -> Path:
    """The file whose exclusive ``flock`` claims ``uid`` for one grader (see :class:`UidPool`)."""
    folder = Path("/run/lock")
    if not os.access(folder, os.W_OK):
        folder = Path(tempfile.gettempdir())
    return folder / f"conformance-uid-{uid}.lock"


def _has_passwd_entry(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


class Stage:
    """The grader's private folder for one server: the copy, its tmp, its socket folder.

    ``only``: copy just this file of ``folder`` (a submission given as ``alice.py``).
    """

    def __init__(self, folder: Path, uid: int | None, only: str | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="conformance-sandbox-"))
        if len(str(self.root / "run" / SOCKET_NAME)) > 100:  # sun_path holds 108 bytes
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
        for folder_ in (self.tmp, self.run):
            folder_.mkdir(mode=0o700)
            if uid is not None:
                os.chown(folder_, uid, uid)
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

    @property
    def socket(self) -> Path:
        return self.run / SOCKET_NAME

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

    ``tmpfs``: /tmp and the socket folder are tmpfs mounts in memory, which the launcher
    sizes while it is still root (nothing the server writes reaches the grader's disk; the
    grader reaches the socket through ``/proc/PID/root``); else the stage's folders on disk.
    """
    tmp = ["--perms", "1777", "--tmpfs", "/tmp"] if tmpfs else ["--bind", str(stage.tmp), "/tmp"]
    run = (
        ["--perms", "0700", "--tmpfs", INSIDE_RUN]
        if tmpfs
        else ["--bind", str(stage.run), INSIDE_RUN]
    )
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
        "--perms",
        "0755",
        "--dir",
        str(Path(INSIDE_RUN).parent),
        *run,
        "--chdir",
        INSIDE_APP,
        "--",
        *inner,
    ]
    return command


def inner_pid(pid: int) -> int | None:
    """The first child of the bubblewrap process ``pid``: the sandbox's init, whose
    ``/proc/PID/root`` is the sandbox's own filesystem (None until it exists)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    if children:
        return int(children[0])
    for entry in Path("/proc").iterdir():  # a kernel without the children file
        try:
            if entry.name.isdigit() and _parent(entry) == pid:
                return int(entry.name)
        except (OSError, ValueError, IndexError):
            continue
    return None


def _parent(entry: Path) -> int:
    return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])


def kill_uid(uid: int, grace: float = 2.0) -> int:
    """SIGKILL every process of ``uid`` (a job slot's own uid): what setsid could hide.

    Returns how many were found. Only for a slot uid, never the grader's own.
    """
    if uid == os.getuid() or uid == 0:
        raise ValueError("kill_uid is for a job slot's own uid only")
    found = 0
    deadline = time.monotonic() + grace
    while True:
        pids = processes_of(uid)
        if not pids:
            return found
        found = max(found, len(pids))
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def processes_of(uid: int) -> list[int]:
    """Pids of the live (not zombie) processes whose real uid is ``uid`` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and "zombie" not in fields.get(
            "State", ""
        ):
            pids.append(int(entry.name))
    return pids
