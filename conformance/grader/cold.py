"""`conformance grade --cold`: each app of a class graded by ``run.grade_one``, a fresh
``python -IB -m pytest`` per app, ``--jobs`` at once (the pipeline before the warm slots of
``warm.py``, kept for comparison, and where ``os.fork`` is missing)."""

from __future__ import annotations

import queue
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from conformance.grader import unicode_tables
from conformance.grader.job import Batch, Result
from conformance.grader.run import grade_one


class Slots:
    """``Slots(batch, uids)``: each app graded by ``run.grade_one`` (a fresh pytest process),
    ``len(uids)`` at once, as :class:`warm.Slots`: :meth:`results` as they come, :meth:`stop`
    after an interrupt (every server and suite stopped), :meth:`close`."""

    def __init__(self, batch: Batch, uids: Sequence[int]) -> None:
        unicode_tables.prepare()  # once for the class, copied into each suite's folder
        self.running = batch.running
        slots: queue.Queue[int] = queue.Queue()
        for uid in uids:
            slots.put(uid)
        self.pool = ThreadPoolExecutor(max_workers=len(uids))
        self.futures = [
            self.pool.submit(_grade_safely, batch, app, name, slots) for app, name in batch.chosen
        ]

    def results(self) -> Iterator[Result]:
        for future in as_completed(self.futures):
            yield future.result()

    def stop(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        for item in list(self.running):
            item.stop()

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _grade_safely(batch: Batch, app: str, name: str, slots: queue.Queue[int]) -> Result:
    slot = slots.get()  # the uid of a free job slot
    try:
        job = batch.job(app, name)
        return grade_one(job, batch.options, stream=False, uid=slot, running=batch.running)
    except Exception as error:  # one submission must never stop the others
        return batch.failed(app, name, error)
    finally:
        slots.put(slot)
