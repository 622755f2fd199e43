"""Fill the grader's disk: files of 32 MiB in every folder it may write (/tmp, HOME and the
folder of the socket it serves on, if its command line names one), each under the per-file
limit, until a write fails (at most 2 GiB in all), then serve the lecture's hello."""

import os
import signal
import sys
from pathlib import Path

from fastapi import FastAPI

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file-size limit then fails the write
argv = Path("/proc/self/cmdline").read_bytes().split(b"\0")
socket = [argv[i + 1].decode() for i, arg in enumerate(argv[:-1]) if arg == b"--uds"]
places = [Path(socket[0]).parent] if socket else []
places += [Path("/tmp"), Path(os.environ.get("HOME", "/tmp"))]
chunk = b"\0" * (1 << 20)
written, stopped = 0, []
for place in places:
    try:
        for index in range(64):
            if written >= 2048:  # 2 GiB in all
                break
            with open(place / f"fill-{index}.bin", "wb") as out:
                for _ in range(32):
                    out.write(chunk)
                    written += 1
    except OSError as error:
        stopped.append(f"{place}: {type(error).__name__}: {error.strerror}")
print(f"FILLED {written} MiB ({'; '.join(stopped) or 'not stopped'})", file=sys.stderr, flush=True)

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": "Hello World"}
