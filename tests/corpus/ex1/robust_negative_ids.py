# verdict: broken
# exercise: ex1
# category: status-codes
# mistake: the lecture's bounds check only looks up: GET /items/-1 returns the last item (Python negative indexing) and /items/-(len+1) is a 500
# caught-by: test_items_negative_id_is_refused test_items_id_before_the_start_is_refused test_items_any_negative_id_is_refused
# tier: robust
# groups: items add openapi
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

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
    price: float = Field(allow_inf_nan=False)
    tax: float | None = Field(default=None, allow_inf_nan=False)


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
