"""Answer the grader's start-up probe (and everything else) at 1 byte per second."""

import socket
import sys
import threading
import time

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


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


def dribble(conn: socket.socket) -> None:
    try:
        for byte in ANSWER:
            conn.send(bytes([byte]))
            time.sleep(1)
    except OSError:
        pass
    conn.close()


server = listen()
while True:  # uvicorn never gets to start: this import never ends
    conn, _ = server.accept()
    threading.Thread(target=dribble, args=(conn,), daemon=True).start()
