"""Submitted with ``key.txt``, a symlink to the teacher's ssh key: print what it points to."""

from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
try:
    leaked = Path(__file__).with_name("key.txt").read_text()
except OSError as error:
    leaked = f"nothing: {error.__class__.__name__}"
print("LINKED", leaked, flush=True)


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": leaked}
