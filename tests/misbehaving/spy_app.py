"""A student app that shows what the grader gave it: environment, folder, and a child process.

At import it starts `sleep 600` as a child, so a test can check that stopping the server
stops everything the server started.
"""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi import FastAPI

app = FastAPI()
child = subprocess.Popen(["sleep", "600"])


@app.get("/")
async def root() -> dict[str, object]:
    return {
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "child": child.pid,
        "pid": os.getpid(),
        "path": sys.path,
    }
