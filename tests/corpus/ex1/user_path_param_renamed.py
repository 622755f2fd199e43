# verdict: broken
# exercise: ex1
# category: validation
# mistake: the path parameter is called {id}, not {user_id}: the answers look right but the 422 loc is ["path", "id"] and the OpenAPI parameter name differs
# caught-by: test_documented[user-text-id-is-422] test_openapi_declares_parameter[user-id]
# tier: documented
# groups: user openapi
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/add")
async def add(x: int, y: int = 0):
    return {"result": x + y}


@app.get("/user/{id}")
async def user_id(id: int, name: str | None = None):
    res = {"user_id": id}
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
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
