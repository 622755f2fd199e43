"""Answer at once, then send an endless body (the probe and every suite request)."""

import socket
import sys
import threading

HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n"
CHUNK = b'{"message": "' + b"x" * 65536


def listen() -> socket.socket:
    if "--fd" in sys.argv:  # the listening socket the grader made
        sock = socket.socket(fileno=int(sys.argv[sys.argv.index("--fd") + 1]))
    elif "--uds" in sys.argv:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(sys.argv[sys.argv.index("--uds") + 1])
    else:
        sock = socket.create_server(("127.0.0.1", int(sys.argv[sys.argv.index("--port") + 1])))
    sock.listen()
    return sock


def flood(conn: socket.socket) -> None:
    try:
        conn.recv(65536)
        conn.sendall(HEAD)
        while True:
            conn.sendall(CHUNK)
    except OSError:
        pass
    conn.close()


server = listen()
while True:
    conn, _ = server.accept()
    threading.Thread(target=flood, args=(conn,), daemon=True).start()
