"""Take as much memory as it can get (at most 3 GiB), then serve.

It says how much it holds after every block, so that its log shows how far it got even when
the start-up timeout stops it first (near a cgroup's memory limit, a loaded machine can take
longer than that to hand out the last blocks)."""

from fastapi import FastAPI

hoard = []
try:
    while len(hoard) < 48:  # 48 x 64 MiB = 3 GiB
        hoard.append(b"x" * (64 << 20))
        print(f"MEMORY {len(hoard) * 64} MiB", flush=True)
except MemoryError:
    pass
print(f"MEMORY {len(hoard) * 64} MiB, then MemoryError or the 3 GiB it wanted", flush=True)

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": f"{len(hoard) * 64} MiB"}
