# verdict: broken
# exercise: ex1
# category: sizes
# mistake: /user cuts the name to its first 1000 characters ("nobody has a longer name"), so a longer name is not echoed whole
# caught-by: test_user_echoes_long_names_whole
# tier: property
# groups: user
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


app = FastAPI()


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/add")
async def add(x: int, y: int = 0):
    return {"result": x + y}


MAX_NAME = 1000


@app.get("/user/{user_id}")
async def user_id(user_id: int, name: str | None = None):
    res = {"user_id": user_id}
    if name is not None:
        res["name"] = name[:MAX_NAME]
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
