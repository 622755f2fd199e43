# verdict: correct
# exercise: ex1
# category: style
# style: CORS and GZip middleware, a timing header on every response, a lifespan that logs, a deque
import time
from collections import deque
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from pydantic import BaseModel


@asynccontextmanager
async def lifespan(app: FastAPI):
    print("starting up")
    yield
    print("shutting down")


app = FastAPI(lifespan=lifespan)
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"])
app.add_middleware(GZipMiddleware, minimum_size=10)


@app.middleware("http")
async def add_timing(request: Request, call_next):
    start = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Process-Time"] = f"{time.perf_counter() - start:.6f}"
    response.headers["X-Student"] = "jdoe"
    return response


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


items: deque[Item] = deque()


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/add")
async def add(x: int, y: int = 0):
    result = x + y
    return {"result": result}


@app.get("/user/{user_id}")
async def get_user(user_id: int, name: str | None = None):
    return {"user_id": user_id} | ({} if name is None else {"name": name})


@app.post("/items")
async def add_item(item: Item):
    items.append(item)
    return list(items)


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if not item_id < len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
