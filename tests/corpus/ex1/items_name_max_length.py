# verdict: broken
# exercise: ex1
# category: sizes
# mistake: Item.name and description are limited to 255 characters (Field(max_length=255), "like a VARCHAR(255) column"), so a longer name is a 422 instead of being stored
# caught-by: test_items_post_keeps_long_text_whole
# tier: property
# groups: items-post
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
    name: str = Field(max_length=255)
    description: str | None = Field(default=None, max_length=255)
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
