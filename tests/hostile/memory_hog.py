"""Take as much memory as it can get (at most 3 GiB), then serve."""

from fastapi import FastAPI

hoard = []
try:
    while len(hoard) < 48:  # 48 x 64 MiB = 3 GiB
        hoard.append(b"x" * (64 << 20))
except MemoryError:
    pass
print(f"MEMORY {len(hoard) * 64} MiB", flush=True)

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": f"{len(hoard) * 64} MiB"}
