"""How `conformance grade` grades a class: warm slots, the next server starting meanwhile.

Each ``--jobs`` slot has a long-lived worker process (:class:`Worker`, ``warm_worker.py``)
that imports pytest and its plugins once and then, per student, forks a fresh pytest session
with exactly the arguments of the cold run (``job.Options.pytest_args``), in a private folder
of its own (HOME, TMPDIR, our empty config), its output capped as a cold suite's and its
address space bounded (``--suite-memory-limit``).

Overlap: a slot sends the student's suite to its worker, starts the next student's server
while the suite runs, then captures the plot, stops the server and reads the report, as
``run.grade_one`` does (the same ``run.start`` and ``run.finish``). Two servers of a slot are
then alive at once, so each slot has two uids (and cgroups) and takes turns: stopping a server
kills every process of its uid, never the next student's. ``conformance grade --cold`` grades
with a fresh ``python -IB -m pytest`` per student instead (``run.grade_one``).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from conformance.grader import unicode_tables
from conformance.grader.job import Batch, Result
from conformance.grader.run import (
    Started,
    finish,
    start,
    stop,
    suite_env,
    suite_log_of,
    too_long,
)
from conformance.grader.sandbox import CappedLog, read_tail

MESSAGE = 1 << 16
"""Largest reply read from a worker."""
WARM_UP_TIMEOUT = 300.0
"""Seconds a worker may take to import pytest and its plugins (a loaded machine: ~5-10)."""
SLACK = 30.0
"""Seconds a worker may take beyond a job's time-out to answer (it kills the job at the
time-out itself) before it is taken for dead."""


class Worker:
    """One slot's warm worker process (``Worker()``; :meth:`submit`, :meth:`result`, ...).

    ``suite_memory_mib``: the address space of each job's pytest (0: unbounded). The worker
    is killed when the thread that made it ends (as every process the grader starts)."""

    def __init__(self, *, suite_memory_mib: int = 0) -> None:
        self.suite_memory_mib = suite_memory_mib
        # the cold suite's whitelisted environment, with a private HOME and TMPDIR of its own
        self.home = Path(tempfile.mkdtemp(prefix="conformance-warm-"))
        self.output: CappedLog | None = None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        # run from its source, so that nothing of this package is imported before the fork
        source = Path(__file__).with_name("warm_worker.py").read_text(encoding="utf-8")
        tables = unicode_tables.prepare()
        fd = theirs.fileno()
        try:
            with (self.home / "worker.log").open("wb") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-I", "-B", "-c", source, str(fd), str(os.getpid())]
                    + ([str(tables)] if tables else []),
                    cwd=self.home,
                    env=suite_env(self.home),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    pass_fds=(fd,),
                    start_new_session=True,
                )
        finally:
            theirs.close()
        try:
            self._expect(WARM_UP_TIMEOUT)  # the warm-up is done before the first student
        except BaseException:
            self.close()
            raise

    def submit(
        self, args: list[str], log: Path | None, timeout: float, folder: Path | None = None
    ) -> None:
        """Run ``pytest.main(args)`` in a fork: its output in ``log`` (capped: a head and a
        tail, as a cold suite's), at most ``timeout`` seconds, in ``folder`` (its HOME and
        TMPDIR; default: a temp folder of the worker's)."""
        job = {
            "args": args,
            "timeout": timeout,
            "folder": str(folder) if folder else None,
            "memory_mib": self.suite_memory_mib,
        }
        self.output = CappedLog(log) if log else None
        fds = [self.output.fd] if self.output else []
        try:
            socket.send_fds(self.control, [json.dumps(job).encode()], fds)
        finally:
            if self.output:
                self.output.close_writer()
        self.timeout = timeout

    def result(self) -> dict[str, Any]:
        """``{"finished": bool, "code": int}`` of the job submitted last."""
        try:
            return self._expect(self.timeout + SLACK)
        finally:
            if self.output:
                self.output.finish()
                self.output = None

    def _expect(self, timeout: float) -> dict[str, Any]:
        self.control.settimeout(timeout)
        try:
            message = self.control.recv(MESSAGE)
        except (TimeoutError, OSError):
            message = b""
        if not message:
            self.stop()
            tail = read_tail(self.home / "worker.log", 2000)
            raise RuntimeError(f"the warm worker died\n{tail}".strip())
        reply: dict[str, Any] = json.loads(message)
        return reply

    def stop(self) -> None:
        """Kill the worker and its running job now (an interrupted grader)."""
        if self.process.poll() is not None:
            return  # ended, and reaped: its pid may be another process's now
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.process.pid, signal.SIGTERM)  # it kills its job's group, then itself
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def close(self) -> None:
        """Let the worker end (its jobs are done), and remove its folder."""
        with contextlib.suppress(OSError):
            self.control.shutdown(socket.SHUT_RDWR)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.stop()
        self.control.close()
        shutil.rmtree(self.home, ignore_errors=True)


class Slots:
    """``Slots(batch, uids)``: one thread per pair of ``uids``; :meth:`results` yields each
    student's result as it is graded; :meth:`stop` after an interrupt stops every server and
    worker and waits for the slots."""

    def __init__(self, batch: Batch, uids: Sequence[int]) -> None:
        self.batch = batch
        self.folder, self.options, self.running = batch.folder, batch.options, batch.running
        self.todo: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        for pair in batch.chosen:
            self.todo.put(pair)
        self.done: queue.SimpleQueue[Result] = queue.SimpleQueue()
        self.stopping = threading.Event()
        pairs = [(uids[i], uids[i + 1]) for i in range(0, len(uids) - 1, 2)]
        self.threads = [threading.Thread(target=Slot(self, pair).run) for pair in pairs]
        for thread in self.threads:
            thread.start()

    def results(self) -> Iterator[Result]:
        """Each student's result, as it comes; fewer only if a slot failed past every guard
        (the rest are then "not graded")."""
        for _ in range(len(self.batch.chosen)):
            while True:
                try:
                    yield self.done.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in self.threads) and self.done.empty():
                        return

    def stop(self) -> None:
        self.stopping.set()
        while any(thread.is_alive() for thread in self.threads):
            for item in list(self.running):  # again: what a slot started meanwhile
                item.stop()
            for thread in self.threads:
                thread.join(0.2)

    def close(self) -> None:
        for thread in self.threads:
            thread.join()

    def next(self, uid: int) -> Started | None:
        """The next student, their server started under ``uid``; None when none is left."""
        if self.stopping.is_set():
            return None
        try:
            app, name = self.todo.get_nowait()
        except queue.Empty:
            return None
        job = self.batch.job(app, name)
        try:
            return start(job, self.options, uid=uid, running=self.running)
        except Exception as error:  # one submission must never stop the others
            return Started(app, name, job.report, done=self.batch.failed(app, name, error))


class Slot:
    """One ``--jobs`` slot (a thread of :class:`Slots`), its two uids and its warm worker."""

    def __init__(self, slots: Slots, uids: tuple[int, int]) -> None:
        self.slots, self.uids = slots, uids
        self.options, self.running = slots.options, slots.running
        self.worker: Worker | None = None

    def run(self) -> None:
        """Student after student: the suite in the warm worker, the next server starting
        (under the slot's other uid) while it runs."""
        turn = 0
        pending = self.slots.next(self.uids[turn])
        current: Started | None = None
        try:
            while pending is not None and not self.slots.stopping.is_set():
                current, pending = pending, None
                turn ^= 1
                if current.done is not None:
                    result = current.done
                else:
                    result, pending = self.grade(current, self.uids[turn])
                current = None
                self.slots.done.put(result)
                if pending is None:
                    pending = self.slots.next(self.uids[turn])
        finally:
            for left in (current, pending):
                if left is not None:
                    stop(left, self.running)
            self._drop_worker()

    def grade(self, current: Started, uid: int) -> tuple[Result, Started | None]:
        """The suite against ``current``'s server, the next server started under ``uid``
        meanwhile; the result, and the next student (None when none was started)."""
        pending = None
        log = suite_log_of(self.slots.folder, current.name)
        try:
            if self.worker is None:
                self.worker = Worker(suite_memory_mib=self.options.suite_memory_mib)
                self.running.add(self.worker)
            with tempfile.TemporaryDirectory(prefix="conformance-run-") as private:
                args = self.options.pytest_args(current.url, current.report, Path(private))
                self.worker.submit(args, log, self.options.run_timeout, Path(private))
                pending = self.slots.next(uid)  # while the suite runs
                reply = self.worker.result()
            problem = None if reply["finished"] else too_long(self.options)
            return finish(current, problem, log, self.options, self.running), pending
        except Exception as error:  # one submission must never stop the others
            stop(current, self.running)
            self._drop_worker()  # a fresh one for the next student
            return self.slots.batch.failed(current.app, current.name, error), pending

    def _drop_worker(self) -> None:
        if self.worker is not None:
            self.running.discard(self.worker)
            self.worker.close()
            self.worker = None
