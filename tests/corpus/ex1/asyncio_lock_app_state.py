# verdict: correct
# exercise: ex1
# category: style
# style: the items live in a class-based store on app.state, created by a lifespan handler: a deque behind an asyncio.Lock, with an await (a simulated async write) inside the lock
import asyncio
from collections import deque
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


class ItemStore:
    """All items, in the order they were added; one writer at a time."""

    def __init__(self) -> None:
        self._items: deque[Item] = deque()
        self._lock = asyncio.Lock()

    async def add(self, item: Item) -> list[Item]:
        async with self._lock:
            await asyncio.sleep(0.001)  # stands in for an async write to a database
            self._items.append(item)
            return list(self._items)

    async def get(self, index: int) -> Item | None:
        async with self._lock:
            if 0 <= index < len(self._items):
                return self._items[index]
            return None


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.items = ItemStore()
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/add")
async def add(x: int, y: int = 0):
    return {"result": x + y}


@app.get("/user/{user_id}")
async def user_id(user_id: int, name: str | None = None):
    res = {"user_id": user_id}
    if name is not None:
        res["name"] = name
    return res


@app.post("/items")
async def add_item(item: Item, request: Request):
    return await request.app.state.items.add(item)


@app.get("/items/{item_id}")
async def get_item(item_id: int, request: Request):
    item = await request.app.state.items.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return item
