# verdict: correct
# exercise: ex1
# category: lecture
# style: the lecture's ex1 with the comparison slide's POST "/items/" route (trailing slash)
# verbatim-of: tests/lecture/ex1_items_slash_app.py
# The lecture's ex1 as above, with the "FastAPI vs plumber" slide's POST "/items/" route.
# The lecture prints both spellings, so this is a correct answer too.
from fastapi import FastAPI

app = FastAPI()

@app.get("/")
async def root():
    return {"message": "Hello World"}

@app.get("/add")
async def add(x: int, y: int = 0):
    return {"result": x+y}

@app.get("/user/{user_id}")
async def user_id(user_id: int, name: str | None = None):
    res = {"user_id": user_id}
    if name is not None:
      res["name"] = name
    
    return res

from pydantic import BaseModel

class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None

items = []

@app.post("/items/")
async def add_item(item: Item):
    items.append(item)
    return items

from fastapi import HTTPException

@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
