"""How the grader reaches a student's server: a Unix socket of its own, and a loopback TCP port
forwarding to it for the suite's HTTP client.

The grader makes the listening socket itself (:class:`Listener`), bound in a folder only the
grader can enter, and hands the server nothing but its descriptor (``uvicorn --fd``): the
student never owns the name the grader reaches it by, so it cannot swap it for a link to
another socket (think ``docker.sock``). Every connection is pinned besides: made through the
folder's descriptor, to the socket file the grader bound (same inode, not a link), and
refused unless the process listening on it is the grader or runs under the student's uid.

The suite (``--base-url``) speaks TCP: :class:`Forwarder` binds a port the kernel picks on the
host's 127.0.0.1, so no student can take it first and no student (each in its own network
namespace) can reach it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path

SOCKET_NAME = "app.sock"
PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


class Listener:
    """A listening Unix socket the grader makes for one server, in ``folder`` (the grader's own,
    mode 0700): pass :attr:`fd` to the server, then :meth:`release` it here.

    ``uid``: who must be listening on it for :meth:`connect` to accept the connection (the job
    slot's uid; the grader's own when servers run under it), unless this process still is.
    """

    def __init__(self, folder: Path, uid: int) -> None:
        self.uid = uid
        self._folder = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        # Linux reaches the folder through its descriptor: a short, neutral name (the server
        # sees it as the socket's name) that no rename of the folder can redirect.
        on_linux = sys.platform.startswith("linux")
        self.address = (
            f"/proc/self/fd/{self._folder}/{SOCKET_NAME}" if on_linux else str(folder / SOCKET_NAME)
        )
        self.socket: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.socket.bind(self.address)
            self.socket.listen(128)
            self._inode = self._file()
        except BaseException:
            self.close()
            raise

    @property
    def fd(self) -> int:
        assert self.socket is not None, "already released"
        return self.socket.fileno()

    def _file(self) -> tuple[int, int]:
        """The socket file's (device, inode), never following a link."""
        info = os.stat(SOCKET_NAME, dir_fd=self._folder, follow_symlinks=False)
        if not stat.S_ISSOCK(info.st_mode):
            raise ConnectionRefusedError(f"{SOCKET_NAME} is no longer the grader's socket")
        return info.st_dev, info.st_ino

    def release(self) -> None:
        """Close this process's copy of the listening socket (the server holds its own): once
        the server has exited, a connection is refused at once instead of waiting."""
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    def connect(self, timeout: float | None = None) -> socket.socket:
        """A connection to the server, or ``ConnectionRefusedError`` if anything but the
        socket the grader bound, with the student's server listening on it, would answer."""
        if self._file() != self._inode:
            raise ConnectionRefusedError(f"{SOCKET_NAME} is no longer the grader's socket")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(self.address)
            if hasattr(socket, "SO_PEERCRED"):
                creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, PEERCRED.size)
                pid, uid, _ = PEERCRED.unpack(creds)
                # listening: this process (the server has not listened yet) or the server
                if pid != os.getpid() and uid != self.uid:
                    raise ConnectionRefusedError(f"a process of uid {uid} listens there")
        except BaseException:
            sock.close()
            raise
        return sock

    def close(self) -> None:
        self.release()
        if self._folder >= 0:
            os.close(self._folder)
            self._folder = -1


class Forwarder:
    """``with Forwarder(connect) as url:`` forwards ``url`` to the connections ``connect`` makes
    (:meth:`Listener.connect`)."""

    def __init__(self, connect: Callable[[], socket.socket], host: str = "127.0.0.1") -> None:
        self._connect = connect
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
            try:
                server = self._connect()
            except OSError:
                client.close()
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
