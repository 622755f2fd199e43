"""A control group per job slot: memory, processes and CPU bounded for a whole submission.

The launcher's rlimits bound each process: six processes of one submission, each under
``RLIMIT_AS``, hold six times the memory. Each server (with everything it starts) therefore
runs in a cgroup of its job slot, made fresh when it starts and removed when it stops:

* memory: ``--memory-limit`` for all its processes together, its ``/tmp`` (a tmpfs) included,
  and no swap; past it the kernel's OOM killer stops a process of that submission only;
* processes: ``--process-limit`` processes and threads together;
* CPU: ``--cores`` cores at most (a CFS quota), so a busy server cannot starve the others.

cgroup v2 is used where it offers the memory and pids controllers (at the hierarchy's root,
or delegated to the grader's own cgroup); else the v1 hierarchies of those controllers, under
the grader's own cgroup in each (so every limit the grader itself runs under still holds).
Changing cgroups needs root. :func:`detect` says what this OS offers; the grader's
start-up line says it, and says so when there is none.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PERIOD_US = 100_000
"""The CFS period; the quota is ``cores`` times it."""
NEEDED = ("memory", "pids")


@dataclass(frozen=True, eq=False)
class Hierarchy:
    """Where each controller's slot cgroups go: ``controller -> parent folder``."""

    version: int
    parents: dict[str, Path]

    @property
    def controllers(self) -> list[str]:
        return sorted(self.parents)

    def describe(self) -> str:
        return f"cgroup v{self.version}: {', '.join(self.controllers)}"


@functools.cache
def detect() -> Hierarchy | None:
    """What this OS offers the grader (root only), tried once per process."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        mounts, own = _mounts(), _own_cgroups()
    except (OSError, ValueError):
        return None
    for found in (_v2(mounts, own), _v1(mounts, own)):
        if found is not None and _writable(found):
            return found
    return None


def _mounts() -> list[tuple[str, str, set[str]]]:
    """Each cgroup mount: (type, mount point, its super options)."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        dash = fields.index("-")
        kind, options = fields[dash + 1], set(fields[dash + 3].split(","))
        if kind in ("cgroup", "cgroup2"):
            found.append((kind, fields[4].replace("\\040", " "), options))
    return found


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup in each hierarchy: controller (``""`` for v2) -> path."""
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def _v2(mounts: list[tuple[str, str, set[str]]], own: dict[str, str]) -> Hierarchy | None:
    for kind, point, _ in mounts:
        if kind != "cgroup2":
            continue
        mine = Path(point) / own.get("", "/").lstrip("/")
        if set(NEEDED) <= set(_read(mine / "cgroup.subtree_control").split()):
            parent = mine  # delegated to the grader's own cgroup
        else:
            parent = Path(point)  # the root cgroup may have processes and controllers both
            offered = set(_read(parent / "cgroup.controllers").split())
            if not set(NEEDED) <= offered:
                continue
            wanted = [c for c in ("memory", "pids", "cpu") if c in offered]
            with contextlib.suppress(OSError):
                (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
        enabled = set(_read(parent / "cgroup.subtree_control").split())
        if set(NEEDED) <= enabled:
            chosen: list[str] = [c for c in ("memory", "pids", "cpu") if c in enabled]
            return Hierarchy(2, {c: parent for c in chosen})
    return None


def _v1(mounts: list[tuple[str, str, set[str]]], own: dict[str, str]) -> Hierarchy | None:
    parents: dict[str, Path] = {}
    for kind, point, options in mounts:
        for controller in ("memory", "pids", "cpu"):
            if kind == "cgroup" and controller in options and controller in own:
                parents[controller] = Path(point) / own[controller].lstrip("/")
    return Hierarchy(1, parents) if set(NEEDED) <= set(parents) else None


def _writable(hierarchy: Hierarchy) -> bool:
    """Whether a cgroup can be made (and removed) in every parent."""
    probe = f"conformance-probe-{os.getpid()}"
    for parent in set(hierarchy.parents.values()):
        try:
            (parent / probe).mkdir()
            (parent / probe).rmdir()
        except OSError:
            return False
    return True


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


class SlotGroup:
    """The cgroup of one job slot's server: made fresh (a leftover of a killed grader is
    emptied first), limited, joined by the server's first process, emptied and removed."""

    def __init__(
        self, hierarchy: Hierarchy, slot: int, memory_mib: int, processes: int, cores: float
    ) -> None:
        self.hierarchy = hierarchy
        name = f"conformance-slot-{slot}"
        self.folders = {c: parent / name for c, parent in hierarchy.parents.items()}
        self.remove()
        for folder in set(self.folders.values()):
            folder.mkdir()
        self._limit(memory_mib, processes, cores)

    def _limit(self, memory_mib: int, processes: int, cores: float) -> None:
        memory, pids = self.folders["memory"], self.folders["pids"]
        quota = str(round(cores * PERIOD_US)) if cores > 0 else "max"
        if self.hierarchy.version == 2:
            if memory_mib:
                _write(memory / "memory.max", memory_mib << 20)
                _write(memory / "memory.swap.max", 0, optional=True)
            cpu = self.folders.get("cpu")
            if cpu is not None:
                _write(cpu / "cpu.max", f"{quota} {PERIOD_US}")
        else:
            if memory_mib:
                _write(memory / "memory.limit_in_bytes", memory_mib << 20)
                _write(memory / "memory.memsw.limit_in_bytes", memory_mib << 20, optional=True)
            cpu = self.folders.get("cpu")
            if cpu is not None:
                _write(cpu / "cpu.cfs_period_us", PERIOD_US)
                _write(cpu / "cpu.cfs_quota_us", quota if cores > 0 else -1)
        if processes:
            _write(pids / "pids.max", processes)

    def join_files(self) -> list[Path]:
        """The files a process writes its pid to, to join this cgroup in every hierarchy."""
        return sorted({folder / "cgroup.procs" for folder in self.folders.values()})

    def members(self) -> list[int]:
        pids: set[int] = set()
        for procs in self.join_files():
            pids |= {int(pid) for pid in _read(procs).split()}
        return sorted(pids)

    def kill(self, grace: float = 2.0) -> None:
        """SIGKILL every process in it (v2: ``cgroup.kill``, all at once), until none is left."""
        deadline = time.monotonic() + grace
        while members := self.members():
            kill_file = self.folders["memory"] / "cgroup.kill"
            if self.hierarchy.version == 2 and kill_file.exists():
                _write(kill_file, 1, optional=True)
            for pid in members:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)

    def remove(self) -> None:
        """Empty and remove it (also what a killed grader left of this slot's cgroup)."""
        if any(folder.exists() for folder in self.folders.values()):
            self.kill()
        for folder in set(self.folders.values()):
            for _ in range(50):  # a process just killed leaves its cgroup a moment later
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as error:
                    if error.errno != errno.EBUSY:
                        break
                    time.sleep(0.02)


def _write(path: Path, value: object, *, optional: bool = False) -> None:
    try:
        path.write_text(str(value))
    except OSError:
        if not optional:
            raise
