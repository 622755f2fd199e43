"""Raw-socket servers that misbehave at the TCP/HTTP level, run in a thread of the test.

Each is a context manager yielding its base URL; leaving the block closes every socket.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

HUGE_HEADERS = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"


def closed_port() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def _serving(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            connections.append(conn)
            threading.Thread(target=handle, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.close()


def _hold(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then say nothing until the test ends."""
    conn.settimeout(0.1)
    while not stop.is_set():
        try:
            if not conn.recv(65536):
                return
        except TimeoutError:
            continue
        except OSError:
            return


def _flood(conn: socket.socket, stop: threading.Event) -> None:
    """Answer 200 with a body that never ends, until the client hangs up."""
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        conn.recv(65536)
        conn.sendall(HUGE_HEADERS + b"[")
        chunk = b"1," * 32768
        while not stop.is_set():
            conn.sendall(chunk)


def silent_server() -> contextlib.AbstractContextManager[str]:
    """Accepts connections and reads requests, but never answers."""
    return _serving(_hold)


def huge_body_server() -> contextlib.AbstractContextManager[str]:
    """Answers every request with an endless JSON array."""
    return _serving(_flood)
