# verdict: correct
# exercise: ex1
# category: style
# style: the lecture's code, hardened where it crashes: negative ids are 404, NaN or infinite prices are 422 (allow_inf_nan=False), a sum too long for JSON is a 400 with a plain-text detail, none of it declared in the OpenAPI
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI()


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/add")
async def add(x: int, y: int = 0):
    result = x + y
    try:
        str(result)
    except ValueError:
        raise HTTPException(status_code=400, detail="The sum is too large to send as JSON")
    return {"result": result}


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
    if item_id < 0 or item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
