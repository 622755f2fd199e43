# verdict: broken
# exercise: ex1
# category: values
# mistake: /user "decodes" the name again with urllib.parse.unquote, so a name such as "100%41" comes back as "100A" (FastAPI has already decoded the query string)
# caught-by: test_user_echoes_any_name_verbatim
# tier: property
# groups: user
from urllib.parse import unquote

from fastapi import FastAPI

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
        # names arrive URL-encoded, so decode them (they already are decoded: this is a bug)
        res["name"] = unquote(name)
    return res


from fastapi import HTTPException
from pydantic import BaseModel


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
