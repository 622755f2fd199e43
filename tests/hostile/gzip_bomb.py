"""Every answer is a gzip bomb: 256 KiB on the wire, 256 MiB once decompressed."""

import zlib

from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()
packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
zeros = b"\0" * (1 << 20)
BOMB = b"".join(packer.compress(zeros) for _ in range(256)) + packer.flush()


@app.middleware("http")
async def bomb(request: Request, call_next: object) -> Response:
    if request.url.path == "/openapi.json":
        return await call_next(request)  # type: ignore[operator, no-any-return]
    return Response(BOMB, headers={"content-encoding": "gzip", "content-type": "application/json"})
