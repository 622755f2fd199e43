# verdict: broken
# exercise: ex1
# category: validation
# mistake: /add has no type hints, so x and y are strings: x=1&y=1 gives "11", x=abc is accepted, and the int default makes x=-7 alone a 500
# caught-by: test_documented[add-one-plus-one] test_documented[add-text-x-is-422] test_documented[add-y-defaults-to-0]
# tier: documented
# groups: add openapi
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()


@app.get("/")
def root():
    return {"message": "Hello World"}


@app.get("/add")
def add(x, y=0):
    return {"result": x + y}


@app.get("/user/{user_id}")
def user_id(user_id: int, name: str | None = None):
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
def add_item(item: Item):
    items.append(item)
    return items


@app.get("/items/{item_id}")
def get_item(item_id: int):
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
