"""A uid of its own for each job slot of a grader, and the processes that run under it.

When the grader runs as root, each parallel job slot's server runs under a uid no one else
uses (no passwd entry needed), claimed against other graders on the same machine; when the
slot's student is graded, every process of that uid is killed, what setsid could hide.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import signal
import tempfile
import time
from pathlib import Path
from typing import TextIO

UID_BASE = 61000
"""First uid tried for job slot 0; uids with a passwd entry are skipped."""


class UidPool:
    """``count`` uids of their own for the job slots, claimed against concurrent graders.

    Each uid is held with an exclusive ``flock`` on ``/run/lock/conformance-uid-N.lock`` (or
    in the temp folder) for as long as the pool is open, so two graders never share one, and
    killing every process of a slot's uid only ever hits this grader's servers. ``with
    UidPool(n) as pool:`` lets the claims go whatever happens inside.
    """

    def __init__(self, count: int, base: int = UID_BASE) -> None:
        self._held: list[TextIO] = []
        self.uids: list[int] = []
        uid = base
        try:
            while len(self.uids) < count:
                if not _has_passwd_entry(uid) and uid != os.getuid():
                    self._claim(uid)
                uid += 1
        except BaseException:  # a claim file that cannot be opened: let go of the others
            self.close()
            raise

    def _claim(self, uid: int) -> None:
        claim = uid_claim(uid).open("a")
        try:
            fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            claim.close()
        else:
            self._held.append(claim)
            self.uids.append(uid)

    def close(self) -> None:
        for claim in self._held:
            claim.close()
        self._held = []

    def __enter__(self) -> UidPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
