"""The seccomp filter of a student's server: no user namespace of its own, and none of a few
kernel interfaces no web server needs.

An unprivileged process may create a user namespace, in which it is root: it can then make a
mount namespace and mount a tmpfs of any size past every limit, and it reaches parts of the
kernel (new filesystems, netfilter) that are otherwise root's. bubblewrap's own
``--disable-userns`` needs ``--unshare-user``, which would map the server's uid to the
grader's; this filter needs no namespace at all, so it also holds without bubblewrap.

The launcher (:mod:`conformance.grader.sandbox.limits`) installs it with ``PR_SET_SECCOMP`` after
``PR_SET_NO_NEW_PRIVS``, just before it execs the server; every process the server starts
inherits it. It is a classic BPF program (``struct sock_filter`` entries):

* a system call of another ABI (x32, or 32-bit code on a 64-bit kernel) kills the process:
  its numbers differ, so the checks below would not see it;
* ``clone`` and ``unshare`` with ``CLONE_NEWUSER`` fail with ``EPERM``; ``clone3`` fails with
  ``ENOSYS`` (its flags are in memory, where the filter cannot look; the C library then falls
  back to ``clone``);
* ``bpf``, ``perf_event_open``, ``userfaultfd``, the key-ring calls and ``io_uring`` fail with
  ``ENOSYS``, as on a kernel without them.
"""

from __future__ import annotations

import platform
import struct
from dataclasses import dataclass

CLONE_NEWUSER = 0x10000000
EPERM, ENOSYS = 1, 38

_LOAD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|..|K, RET|K
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (little-endian: arg0's low word)
_X32 = 0x40000000


@dataclass(frozen=True)
class Arch:
    """The numbers a filter needs for one CPU architecture."""

    audit: int
    """``AUDIT_ARCH_*``: the ABI a system call comes from."""
    clone: int
    unshare: int
    clone3: int
    absent: tuple[int, ...]
    """Failed with ENOSYS: bpf, perf_event_open, userfaultfd, add_key, request_key, keyctl,
    io_uring_setup, io_uring_enter, io_uring_register."""
    x32: bool = False


ARCHES = {
    "x86_64": Arch(0xC000003E, 56, 272, 435, (321, 298, 323, 248, 249, 250, 425, 426, 427), True),
    "aarch64": Arch(0xC00000B7, 220, 97, 435, (280, 241, 282, 217, 218, 219, 425, 426, 427)),
}


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """The filter for ``machine`` (default: this one), or None for an architecture not known."""
    arch = ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    ops = [_op(_LOAD, _ARCH), _op(_JEQ, arch.audit, 1, 0), _op(_RET, _KILL_PROCESS)]
    ops.append(_op(_LOAD, _NR))
    if arch.x32:
        ops += [_op(_JGE, _X32, 0, 1), _op(_RET, _KILL_PROCESS)]
    ops += [_op(_JEQ, arch.clone3, 0, 1), _op(_RET, _ERRNO | ENOSYS)]
    for number in arch.absent:
        ops += [_op(_JEQ, number, 0, 1), _op(_RET, _ERRNO | ENOSYS)]
    # clone or unshare: on to the flags check; anything else is allowed
    ops += [_op(_JEQ, arch.clone, 1, 0), _op(_JEQ, arch.unshare, 0, 3)]
    ops += [_op(_LOAD, _ARG0), _op(_JSET, CLONE_NEWUSER, 0, 1), _op(_RET, _ERRNO | EPERM)]
    ops.append(_op(_RET, _ALLOW))
    return b"".join(ops)
