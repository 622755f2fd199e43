"""Start as many processes as it can (at most 200), each one sleeping, then serve."""

import os
import sys

from fastapi import FastAPI

MARK = "conformance-hostile-mark"
started = 0
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(120)", MARK])
    started += 1
print(f"FORKED {started}", flush=True)

app = FastAPI()


@app.get("/")
async def root() -> dict[str, int]:
    return {"message": started}
