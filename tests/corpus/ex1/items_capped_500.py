# verdict: broken
# exercise: ex1
# category: sizes
# mistake: the list keeps at most 500 items ("so memory stays bounded"): past 500, POST /items drops the oldest item, so the list stops growing and every index shifts
# caught-by: test_items_post_keeps_every_item_of_a_long_list
# tier: documented
# groups: items-post
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


MAX_ITEMS = 500
items = []


@app.post("/items")
async def add_item(item: Item):
    items.append(item)
    if len(items) > MAX_ITEMS:
        items.pop(0)  # forget the oldest
    return items


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
