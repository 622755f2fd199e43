"""Resource limits for a student's server, and the launcher that applies them before exec.

The launcher (:mod:`conformance.grader.sandbox.launch`, standard-library Python run with ``python -I
-S -c``) mounts the sandbox's layers, sets the rlimits, drops to the job slot's own uid (when
the grader is root), forbids gaining privileges again (``PR_SET_NO_NEW_PRIVS``), asks to be
killed with its parent, installs the seccomp filter of :mod:`conformance.grader.sandbox.seccomp` (no
user namespaces), closes what it need not pass on, and execs uvicorn. It runs inside the
sandbox, so it never sees the grader's files either.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.grader.sandbox import seccomp

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
            (
                f"memory {shown(self.memory_mib, 'MiB')}, CPU {shown(self.cpu_seconds, 's')}, "
                f"files {shown(self.file_mib, 'MiB')}, processes {shown(self.processes, '')}, "
                f"/tmp {shown(self.tmp_mib, 'MiB')}, cores {self.cores:g}"
            )
            .replace(" ,", ",")
            .replace("cores 0", "cores unlimited")
        )


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


LAUNCHER = (Path(__file__).parent / "launch.py").read_text(encoding="utf-8")
"""The launcher's program (:mod:`conformance.grader.sandbox.launch`), run with
``python -I -S -c``."""


def launcher(
    limits: Limits,
    uid: int | None,
    command: list[str],
    *,
    size_tmp: bool = False,
    confine: bool = True,
    python: str = sys.executable,
    keep_fds: tuple[int, ...] = (),
    extra: dict[str, Any] | None = None,
) -> list[str]:
    """``command`` run through the launcher (``python``): limits set, uid dropped, then exec'd.

    ``size_tmp``: /tmp is bubblewrap's tmpfs, which the launcher sizes (``limits.tmp_mib``)
    and gives to ``uid`` while it is still root (dropping to ``uid`` then clears every
    capability). ``confine``: install the seccomp filter of :mod:`.seccomp` (Linux on a CPU
    it knows), so that no user namespace can be made. ``keep_fds``: descriptors the command
    inherits (the listening socket); every other one but 0, 1, 2 is closed. ``extra``: more
    settings (the sandbox's layers: :meth:`.box.Box.settings`)."""
    tmp_bytes = limits.tmp_mib * MIB if size_tmp and uid is not None else 0
    program = seccomp.program() if confine and sys.platform.startswith("linux") else None
    settings = {
        "rlimits": limits.rlimits(),
        "uid": uid,
        "tmp_bytes": tmp_bytes,
        "seccomp": program.hex() if program else None,
        "keep_fds": list(keep_fds),
        **(extra or {}),
    }
    return [python, "-I", "-S", "-c", LAUNCHER, json.dumps(settings), *command]
