# verdict: correct
# exercise: ex1
# category: style
# style: plain `def` endpoints, Annotated[int, Query()] / Path() parameters, items stored as dicts
from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Query
from pydantic import BaseModel

app = FastAPI(title="Lecture 17 exercise 1")


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


items: list[dict] = []


@app.get("/")
def root() -> dict:
    return {"message": "Hello World"}


@app.get("/add")
def add(x: Annotated[int, Query()], y: Annotated[int, Query()] = 0) -> dict:
    return {"result": x + y}


@app.get("/user/{user_id}")
def user(user_id: Annotated[int, Path()], name: Annotated[str | None, Query()] = None) -> dict:
    if name is None:
        return {"user_id": user_id}
    return {"user_id": user_id, "name": name}


@app.post("/items")
def add_item(item: Item) -> list[dict]:
    items.append(item.model_dump())
    return items


@app.get("/items/{item_id}")
def get_item(item_id: int) -> dict:
    if item_id >= len(items):
        raise HTTPException(404, "Item not found")
    return items[item_id]
