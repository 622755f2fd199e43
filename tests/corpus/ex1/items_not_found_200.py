# verdict: broken
# exercise: ex1
# category: status-codes
# mistake: GET /items/{id} past the end returns {"error": "Item not found"} with status 200 instead of raising a 404
# caught-by: test_documented[items-get-past-end-is-404] test_items_get_past_the_end_is_404
# tier: documented
# groups: items-get
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
    items.append(item)
    return items


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= len(items):
        return {"error": "Item not found"}
    return items[item_id]
