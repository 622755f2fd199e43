# verdict: correct
# exercise: ex1
# category: style
# style: plain def handlers (uvicorn's thread pool) with a threading.Lock around a dict-backed store keyed by position, a simulated slow write inside the lock, Annotated parameters
import threading
import time
from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Query
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


_rows: dict[int, Item] = {}
_lock = threading.Lock()


def _all() -> list[Item]:
    return [_rows[i] for i in range(len(_rows))]


@app.get("/")
def root():
    return {"message": "Hello World"}


@app.get("/add")
def add(x: Annotated[int, Query()], y: Annotated[int, Query()] = 0):
    return {"result": x + y}


@app.get("/user/{user_id}")
def user_id(user_id: Annotated[int, Path()], name: Annotated[str | None, Query()] = None):
    res = {"user_id": user_id}
    if name is not None:
        res["name"] = name
    return res


@app.post("/items")
def add_item(item: Item):
    with _lock:
        time.sleep(0.001)  # stands in for a write to disk
        _rows[len(_rows)] = item
        return _all()


@app.get("/items/{item_id}")
def get_item(item_id: int):
    with _lock:
        if item_id < 0 or item_id not in _rows:
            raise HTTPException(status_code=404, detail="Item not found")
        return _rows[item_id]
