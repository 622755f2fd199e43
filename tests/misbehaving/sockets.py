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


def _dribble(conn: socket.socket, stop: threading.Event) -> None:
    """Answer, but one byte of the headers every 0.1 s: each read gets something."""
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\n" + b"x-slow: " + b"a" * 1000:
            if stop.is_set():
                return
            conn.sendall(bytes([byte]))
            stop.wait(0.1)


def _gzip_bomb(conn: socket.socket, stop: threading.Event) -> None:
    """Answer 200 with a small gzip body that inflates to 1 GiB of zeros."""
    import gzip

    body = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9) * 16
    head = (
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode()
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        conn.recv(65536)
        conn.sendall(head + body)


def slow_headers_server() -> contextlib.AbstractContextManager[str]:
    """Sends its status line and headers at 10 bytes a second."""
    return _serving(_dribble)


def gzip_bomb_server() -> contextlib.AbstractContextManager[str]:
    """Sends a gzip body of about 1 MiB that decompresses to 1 GiB."""
    return _serving(_gzip_bomb)


def redirect_server(location: str) -> contextlib.AbstractContextManager[str]:
    """Answers every request with a 307 to ``location``."""

    def redirect(conn: socket.socket, stop: threading.Event) -> None:
        conn.settimeout(5)
        with contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(
                f"HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\n"
                "content-length: 0\r\nconnection: close\r\n\r\n".encode()
            )

    return _serving(redirect)
