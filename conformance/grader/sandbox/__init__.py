"""Where a student's server runs: a private copy of the submission, a user, namespaces, a
cgroup and limits of its own, reached only through a socket the grader made (see
docs/threat-model.md).

The rest of the grader uses this package through what it exports here and nothing else: a
:class:`StudentServer` started for one submission (the one entry point, as codejail's
``jail_code`` or epicbox's ``run``), the :class:`Protections` this OS provides, the
:class:`Limits` it sets, the :class:`UidPool` of job slots, and the helpers that stop and read
what a server left behind.
"""

from conformance.grader.sandbox.capped import CappedLog, read_tail
from conformance.grader.sandbox.limits import SUITE_MEMORY_MIB, Limits, launcher
from conformance.grader.sandbox.sandbox import Protections
from conformance.grader.sandbox.server import (
    PASSED_ENV,
    StartError,
    StudentServer,
    resolve,
    stop_group,
    wait_unreaped,
)
from conformance.grader.sandbox.uids import UidPool

__all__ = [
    "PASSED_ENV",
    "SUITE_MEMORY_MIB",
    "CappedLog",
    "Limits",
    "Protections",
    "StartError",
    "StudentServer",
    "UidPool",
    "launcher",
    "read_tail",
    "resolve",
    "stop_group",
    "wait_unreaped",
]
