"""A pipe reader that writes at most a head of a process's output to a file, and keeps its tail.

A server (or a suite run) may print without end; the log file never grows past ``head``
bytes, the last ``tail`` bytes are kept in memory, and everything in between is counted and
dropped. Reading the log back never reads more than a few KiB.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

HEAD = 1024 * 1024
TAIL = 64 * 1024


class CappedLog:
    """``CappedLog(path)``: pass :attr:`fd` as a child's stdout, then :meth:`close` it here."""

    def __init__(self, path: Path, *, head: int = HEAD, tail: int = TAIL) -> None:
        self.path = path
        self.head = head
        self.tail_size = tail
        self.written = 0
        self.dropped = 0
        self._tail = bytearray()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb", buffering=0)
        read, self.fd = os.pipe()
        self._thread = threading.Thread(target=self._pump, args=(read,), daemon=True)
        self._thread.start()

    def _pump(self, read: int) -> None:
        try:
            while chunk := os.read(read, 65536):
                with self._lock:
                    room = max(self.head - self.written, 0)
                    if room:
                        self.written += min(room, len(chunk))
                        try:
                            self._file.write(chunk[:room])
                        except OSError:  # a full disk: keep draining, so the writer never blocks
                            self.head = 0
                    rest = chunk[room:]
                    if rest:
                        self.dropped += len(rest)
                        self._tail += rest
                        del self._tail[: -self.tail_size]
        except OSError:
            pass
        finally:
            os.close(read)
            with self._lock:
                if self.dropped:
                    note = f"\n[... {self.dropped} bytes of output not kept; the last ones:]\n"
                    with contextlib.suppress(OSError):
                        self._file.write(note.encode() + bytes(self._tail))
                with contextlib.suppress(OSError):
                    self._file.close()

    def close_writer(self) -> None:
        """Close our copy of the write end (after the child has started)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def finish(self, timeout: float = 2.0) -> None:
        """Wait (bounded) until every writer is gone; a straggler's output is then ignored."""
        self.close_writer()
        self._thread.join(timeout)

    def text(self, limit: int = 4000) -> str:
        """The last ``limit`` characters of the output, read with a seek, never the whole."""
        with self._lock:
            if self.dropped and self._thread.is_alive():
                data = bytes(self._tail)[-limit:]
                return "...\n" + data.decode("utf-8", "replace")
        return read_tail(self.path, limit)


def read_tail(path: Path, limit: int = 4000) -> str:
    """The last ``limit`` bytes of a file, decoded; "" when it cannot be read."""
    try:
        with path.open("rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(max(size - limit, 0))
            data = log.read(limit)
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    return "...\n" + text if size > limit else text
