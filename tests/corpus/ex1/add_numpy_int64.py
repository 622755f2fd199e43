# verdict: broken
# exercise: ex1
# category: values
# mistake: /add sums with numpy (np.int64), which overflows past 2**63: the lecture's small numbers work, big ints wrap around or 500
# caught-by: test_add_is_x_plus_y test_add_is_x_plus_y_for_any_ints
# tier: documented
# groups: add
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
import numpy as np

app = FastAPI()


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/add")
async def add(x: int, y: int = 0):
    return {"result": int(np.int64(x) + np.int64(y))}


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


items = []


@app.post("/items")
async def add_item(item: Item):
    items.append(item)
    return items


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
