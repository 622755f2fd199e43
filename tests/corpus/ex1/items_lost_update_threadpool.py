# verdict: broken
# exercise: ex1
# category: clients
# mistake: items live in a small "store" that POST /items reads, appends to and writes back from a plain def handler (run in uvicorn's thread pool, with a simulated database delay), so overlapping POSTs overwrite each other's items
# caught-by: test_items_post_overlapping_requests_each_stored_once
# tier: documented
# groups: items-post
import copy
import time

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()


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


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


class Store:
    """Stands in for a database table: reads and writes whole copies, each taking a moment."""

    def __init__(self) -> None:
        self._rows: list[Item] = []

    def load(self) -> list[Item]:
        time.sleep(0.002)
        return copy.copy(self._rows)

    def save(self, rows: list[Item]) -> None:
        time.sleep(0.002)
        self._rows = rows


store = Store()


@app.post("/items")
def add_item(item: Item):
    items = store.load()
    items.append(item)
    store.save(items)
    return items


@app.get("/items/{item_id}")
def get_item(item_id: int):
    items = store.load()
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
