"""Fill the grader's disk: files of 32 MiB in /tmp and HOME, each under the per-file limit,
until a write fails (at most 2 GiB in all, then stop), then serve the lecture's hello."""

import os
import signal
import sys
from pathlib import Path

from fastapi import FastAPI

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file-size limit then fails the write
chunk = b"\0" * (1 << 20)
written, stopped = 0, "not stopped"
places = [Path("/tmp"), Path(os.environ.get("HOME", "/tmp"))]
try:
    for index in range(64):  # 64 x 32 MiB = 2 GiB
        with open(places[index % 2] / f"fill-{index}.bin", "wb") as out:
            for _ in range(32):
                out.write(chunk)
                written += 1
except OSError as error:
    stopped = f"{type(error).__name__}: {error.strerror}"
print(f"FILLED {written} MiB ({stopped})", file=sys.stderr, flush=True)

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": "Hello World"}
