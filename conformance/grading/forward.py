"""A loopback TCP port that forwards to a student's Unix socket, for the suite's HTTP client.

The student's server listens on a Unix socket in a folder only the grader can open, inside
its own network namespace; the suite (``--base-url``) speaks TCP. This forwarder binds a
port the kernel picks on the host's 127.0.0.1, so no student can take it first and no student
(each in its own network namespace) can reach it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path


class Forwarder:
    """``with Forwarder(path) as url:`` forwards ``url`` to the Unix socket at ``path``."""

    def __init__(self, path: Path, host: str = "127.0.0.1") -> None:
        self.path = path
        self.listener = socket.create_server((host, 0))
        self.port = int(self.listener.getsockname()[1])
        self.host = host
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            # Each chunk goes out as it comes: with Nagle's algorithm a response written in two
            # parts (headers, then body) waits for the client's delayed ACK, ~20 ms a request.
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                server.connect(str(self.path))
            except OSError:
                client.close()
                server.close()
                continue
            with self._lock:
                if self._closed:
                    client.close()
                    server.close()
                    return
                self._open |= {client, server}
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        back = threading.Thread(target=_pump, args=(server, client), daemon=True)
        back.start()
        _pump(client, server)
        back.join()
        with self._lock:
            self._open -= {client, server}
        client.close()
        server.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sockets, self._open = self._open, set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
        self.listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy one direction until its end; then half-close the other side."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            source.shutdown(socket.SHUT_RDWR)
