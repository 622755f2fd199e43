"""Requests that overlap: several clients, each on its own connection, sending at one moment.

The lecture's clients are separate ``requests`` calls, and nothing in the lecture says they
take turns. Which overlaps its code keeps apart depends on how uvicorn runs a handler: an
``async def`` handler runs on the one event loop from its start to its first ``await`` (the
lecture's handlers have none), so two of them never interleave; a plain ``def`` handler runs
in a thread pool, beside other requests. So the suite overlaps only requests the lecture's own
code answers as if they had come one after the other (see docs/what-it-checks.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

import httpx

from conformance.transport import ServerGone

T = TypeVar("T")

OVERLAP_TIMEOUT = 30.0
"""Seconds the clients may take together; each request also has the run's own deadline."""


def at_once(
    clients: Sequence[httpx.Client],
    send: Callable[[httpx.Client, int], T],
    warm: Callable[[httpx.Client, int], object] | None = None,
) -> list[T]:
    """``send(client, i)`` from each of ``clients`` in its own thread, released together.

    ``warm(client, i)`` runs first in each thread (a request that opens the client's
    connection, so that the overlapping requests need no connect). The results come back in
    the clients' order; the first exception a thread raised is raised here.
    """
    count = len(clients)
    ready = threading.Barrier(count)
    results: list[T | None] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        client = clients[index]
        try:
            if warm is not None:
                warm(client, index)
        except BaseException as error:  # handed to the caller's thread
            errors.append(error)
            ready.abort()
            return
        try:
            ready.wait(OVERLAP_TIMEOUT)
        except threading.BrokenBarrierError:
            return
        try:
            results[index] = send(client, index)
        except BaseException as error:  # handed to the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(OVERLAP_TIMEOUT)
    if errors:
        raise errors[0]
    if any(thread.is_alive() for thread in threads) or any(r is None for r in results):
        raise ServerGone(f"{count} overlapping requests got no answer in {OVERLAP_TIMEOUT:g} s")
    return [r for r in results if r is not None]
