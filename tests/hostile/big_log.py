"""Print 500 MB of log, and try to write a 500 MB file, then serve the lecture's hello."""

import signal
import sys

from fastapi import FastAPI

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file-size limit then fails the write
line = b"spam " * 200_000 + b"\n"  # ~1 MB
for _ in range(500):
    sys.stdout.buffer.write(line)
sys.stdout.flush()
try:
    with open("/tmp/big.bin" if sys.platform == "linux" else "big.bin", "wb") as big:
        for _ in range(500):
            big.write(line)
except OSError as error:
    print("file write stopped:", error, flush=True)

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": "Hello World"}
