# verdict: broken
# exercise: ex1
# category: validation
# mistake: /add takes a pydantic query-parameter model (Annotated[AddParams, Query()]): everything works, but the missing-x 422 reports input {"y": "-7"} (the whole query) instead of null
# caught-by: test_documented[add-missing-x-is-422]
# tier: documented
# groups: add
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI()


class AddParams(BaseModel):
    x: int
    y: int = 0


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


db: dict[str, list[Item]] = {"items": []}


@app.get("/")
def root():
    return {"message": "Hello World"}


@app.get("/add")
async def add(params: Annotated[AddParams, Query()]):
    return {"result": params.x + params.y}


@app.get("/user/{user_id}")
def user_id(user_id: int, name: str | None = None):
    res: dict[str, int | str] = {"user_id": user_id}
    if name is not None:
        res["name"] = name
    return res


@app.post("/items")
async def add_item(item: Item):
    db["items"] = [*db["items"], item]
    return db["items"]


@app.get("/items/{item_id}")
def get_item(item_id: int):
    if item_id >= len(db["items"]):
        return JSONResponse(status_code=404, content={"detail": "Item not found"})
    return db["items"][item_id]
