"""The start-up probe: has a student's server begun to answer HTTP?

One connection at a time sends ``GET /openapi.json`` and waits for the 5 bytes of ``HTTP/``:
as long as it takes the server to accept it (its socket exists before it listens: the grader
made it), but no longer than :data:`ANSWER_WITHIN` once the first byte came, so that a server
dribbling its answer never counts as started. It follows nothing and reads nothing more; the
caller bounds it all with the start-up deadline.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable

PROBE = b"GET /openapi.json HTTP/1.1\r\nHost: student\r\nConnection: close\r\n\r\n"
ANSWER_WITHIN = 2.0
"""Seconds from the answer's first byte to its fifth."""


class Probe:
    """``Probe(connect)``; call :meth:`answered` until it says True (or the deadline passes)."""

    def __init__(self, connect: Callable[[float], socket.socket]) -> None:
        self._connect = connect
        self._sock: socket.socket | None = None
        self._data = b""
        self._first = 0.0

    def answered(self, wait: float) -> bool:
        """Wait up to ``wait`` s for the status line; False until it came (a connection that
        was refused, closed or too slow is dropped and the next call makes a new one)."""
        if self._sock is None:
            try:
                self._sock = self._connect(wait)
                self._sock.sendall(PROBE)
            except OSError:
                self.close()
                time.sleep(min(wait, 0.1))
                return False
            self._data, self._first = b"", 0.0
        try:
            self._sock.settimeout(wait)
            chunk = self._sock.recv(5 - len(self._data))
        except TimeoutError:
            chunk = None
        except OSError:
            chunk = b""
        now = time.monotonic()
        if chunk:
            self._first = self._first or now
            self._data += chunk
        if len(self._data) >= 5:
            self.close()
            return self._data.startswith(b"HTTP/")
        if chunk == b"" or (self._first and now - self._first > ANSWER_WITHIN):
            self.close()  # closed, or dribbling: try again with a new connection
            time.sleep(min(wait, 0.1))
        return False

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None
