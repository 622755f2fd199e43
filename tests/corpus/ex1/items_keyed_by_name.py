# verdict: broken
# exercise: ex1
# category: items-state
# mistake: POST /items keeps the items in a dict keyed by name ("no duplicates"), so posting the same item twice (or two items with one name) keeps one, and the ids shift
# caught-by: test_every_answer_is_the_lecture_s_answer
# tier: property
# groups: items-post
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

items_by_name = {}

@app.post("/items")
async def add_item(item: Item):
    items_by_name[item.name] = item
    return list(items_by_name.values())

from fastapi import HTTPException

@app.get("/items/{item_id}")
async def get_item(item_id: int):
    items = list(items_by_name.values())
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
