# verdict: broken
# exercise: ex1
# category: clients
# mistake: POST /items builds the new list, awaits an async audit log, then stores the list it built: requests that overlap the await each store a list without the others' items (lost updates)
# caught-by: test_items_post_overlapping_requests_each_stored_once
# tier: documented
# groups: items-post
import asyncio
import logging

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


log = logging.getLogger("items")
items: list[Item] = []


async def audit(item: Item) -> None:
    """Pretend audit trail: a real one would write to a database or a file."""
    await asyncio.sleep(0.002)
    log.info("added %s", item.name)


@app.post("/items")
async def add_item(item: Item):
    global items
    updated = [*items, item]  # copy-on-write: never change a list a response may be sending
    await audit(item)
    items = updated
    return items


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
