# verdict: broken
# exercise: ex1
# category: values
# mistake: POST /items rounds price to cents (round(price, 2)); the lecture's prices 9.99 and 4.99 survive, a price of 1e-7 does not
# caught-by: test_items_post_returns_every_field_unchanged
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


items = []


@app.post("/items")
async def add_item(item: Item):
    item.price = round(item.price, 2)  # money has 2 decimals
    items.append(item)
    return items


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
