"""Resource limits for a student's server, and the launcher that applies them before exec.

The launcher is a few lines of standard-library Python run with ``python -I -S -c``: it sets
the rlimits, drops to the job slot's own uid (when the grader is root), forbids gaining
privileges again (``PR_SET_NO_NEW_PRIVS``), asks to be killed with its parent, installs the
seccomp filter of :mod:`conformance.grading.seccomp` (no user namespaces), and execs
uvicorn. It runs inside the sandbox, so it never sees the grader's files either.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

from conformance.grading import seccomp

MIB = 1024 * 1024
SUITE_MEMORY_MIB = 3072
"""Address space of the grader's own suite process: a decompression bomb costs one student."""


@dataclass(frozen=True)
class Limits:
    """Limits of a student's server (``0`` lifts one): per process (rlimits) and, where the
    grader has a cgroup per job slot (:mod:`.cgroup`), for all its processes together.

    The defaults leave the lecture's ex2 (numpy, scikit-learn, matplotlib) a wide margin:
    graded with ``--robust`` in the sandbox its server peaked at 566 MiB of address space
    (186 MiB resident), 4 threads and 2.6 CPU seconds. RLIMIT_NPROC counts threads too, and
    FastAPI runs plain ``def`` endpoints on up to 40 worker threads.
    """

    memory_mib: int = 2048
    cpu_seconds: int = 300
    file_mib: int = 64
    processes: int = 128
    tmp_mib: int = 256
    """All of the server's /tmp together (its HOME is in it): a tmpfs of this size when the
    full sandbox runs (root and bubblewrap), so no submission can fill the grader's disk."""
    cores: float = 1.0
    """CPU cores all of a server's processes may use at once (its cgroup's CFS quota)."""

    def rlimits(self) -> dict[str, int]:
        """``RLIMIT_*`` name -> value, for the launcher."""
        chosen = {
            "RLIMIT_AS": self.memory_mib * MIB,
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_FSIZE": self.file_mib * MIB,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CORE": 0,
        }
        return {name: value for name, value in chosen.items() if value or name == "RLIMIT_CORE"}

    def describe(self) -> str:
        def shown(value: int, unit: str) -> str:
            return f"{value} {unit}" if value else "unlimited"

        return (
            f"memory {shown(self.memory_mib, 'MiB')}, CPU {shown(self.cpu_seconds, 's')}, "
            f"files {shown(self.file_mib, 'MiB')}, processes {shown(self.processes, '')}, "
            f"/tmp {shown(self.tmp_mib, 'MiB')}, cores {self.cores:g}"
        ).replace(" ,", ",").replace("cores 0", "cores unlimited")


def add_options(parser: argparse.ArgumentParser) -> None:
    """The CLI options that change :class:`Limits` (``conformance grade --help``)."""
    group = parser.add_argument_group("limits of each student's server (0 = no limit)")
    default = Limits()
    options = (
        (
            "--memory-limit",
            "memory_mib",
            "MIB",
            "address space per process, and memory of all its processes together (cgroup)",
        ),
        ("--cpu-limit", "cpu_seconds", "SECONDS", "CPU seconds per process"),
        ("--file-limit", "file_mib", "MIB", "largest file the server may write"),
        ("--process-limit", "processes", "N", "processes and threads of the server"),
        ("--tmp-limit", "tmp_mib", "MIB", "the server's whole /tmp (full sandbox only)"),
        ("--cores", "cores", "N", "CPU cores all its processes may use at once (cgroup)"),
    )
    for flag, field, metavar, what in options:
        value = getattr(default, field)
        group.add_argument(
            flag,
            type=type(value),
            default=value,
            metavar=metavar,
            help=f"{what} (default {value:g})",
        )
    suite_option(group)


def suite_option(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--suite-memory-limit",
        type=int,
        default=SUITE_MEMORY_MIB,
        metavar="MIB",
        help=f"address space of the suite's own process (default {SUITE_MEMORY_MIB})",
    )


def from_args(args: argparse.Namespace) -> Limits:
    values = (
        args.memory_limit,
        args.cpu_limit,
        args.file_limit,
        args.process_limit,
        args.tmp_limit,
        args.cores,
    )
    if any(value < 0 for value in values):
        raise ValueError("limits must be 0 (no limit) or more")
    return Limits(*values)


LAUNCHER = """
import ctypes, json, os, resource, signal, sys
settings = json.loads(sys.argv[1])
for name, value in settings["rlimits"].items():
    try:
        resource.setrlimit(getattr(resource, name), (value, value))
    except (AttributeError, ValueError, OSError) as error:
        print(f"conformance: {name} not set: {error}", file=sys.stderr)
uid = settings["uid"]
if settings["tmp_bytes"]:  # bubblewrap's tmpfs /tmp: sized, then given to the uid
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"size={settings['tmp_bytes']},mode=1777".encode()
    if libc.mount(None, b"/tmp", None, 32 | 2 | 4, options) != 0:  # REMOUNT NOSUID NODEV
        sys.exit(f"conformance: /tmp not sized: {os.strerror(ctypes.get_errno())}")
    os.mkdir("/tmp/home", 0o700)
    os.chown("/tmp/home", uid, uid)
if uid is not None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
os.umask(0o077)
if sys.platform.startswith("linux"):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG (after the uid change)
if settings["seccomp"]:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER: see grading/seccomp.py
    program = bytes.fromhex(settings["seccomp"])
    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]
    if libc.prctl(22, 2, ctypes.byref(Program(len(program) // 8, program)), 0, 0) != 0:
        sys.exit(f"conformance: seccomp filter not set: {os.strerror(ctypes.get_errno())}")
os.execv(sys.argv[2], sys.argv[2:])
"""
"""Sets the limits (each one it can), drops to ``uid``, installs the seccomp filter, then
execs the command."""


def launcher(
    limits: Limits,
    uid: int | None,
    command: list[str],
    *,
    size_tmp: bool = False,
    confine: bool = True,
) -> list[str]:
    """``command`` run through the launcher: limits set, uid dropped, then exec'd.

    ``size_tmp``: /tmp is bubblewrap's tmpfs, which the launcher sizes (``limits.tmp_mib``)
    and gives to ``uid`` while it is still root (dropping to ``uid`` then clears every
    capability). ``confine``: install the seccomp filter of :mod:`.seccomp` (Linux on a CPU
    it knows), so that no user namespace can be made."""
    tmp_bytes = limits.tmp_mib * MIB if size_tmp and uid is not None else 0
    program = seccomp.program() if confine and sys.platform.startswith("linux") else None
    settings = {
        "rlimits": limits.rlimits(),
        "uid": uid,
        "tmp_bytes": tmp_bytes,
        "seccomp": program.hex() if program else None,
    }
    return [sys.executable, "-I", "-S", "-c", LAUNCHER, json.dumps(settings), *command]
