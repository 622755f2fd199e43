# verdict: broken
# exercise: ex1
# category: starting-state
# mistake: the items list starts with a sample item ("so GET /items/0 works right away"), so on a freshly started server the first POST /items answers two items, not the Widget alone, and GET /items/0 is the sample
# caught-by: test_fresh_start[items-post-widget]
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


# a sample item, so that the list is never empty
items = [Item(name="Sample", description="An example item", price=0.0)]


@app.post("/items")
async def add_item(item: Item):
    items.append(item)
    return items


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
