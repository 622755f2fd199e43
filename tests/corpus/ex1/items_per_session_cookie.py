# verdict: broken
# exercise: ex1
# category: clients
# mistake: each client gets its own items list, kept under a session cookie ("every user sees their own items"): the lecture's separate requests carry no cookie, so each POST /items starts a new, empty list and GET /items/{id} finds nothing
# caught-by: test_documented[items-post-gadget] test_items_get_sees_an_item_another_client_posted test_fresh_start[items-post-gadget]
# tier: documented
# groups: items-post items-get
import uuid

from fastapi import FastAPI, HTTPException, Request, Response
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


carts: dict[str, list[Item]] = {}


def items_of(request: Request, response: Response) -> list[Item]:
    sid = request.cookies.get("session")
    if sid not in carts:
        sid = uuid.uuid4().hex
        carts[sid] = []
        response.set_cookie("session", sid, httponly=True)
    return carts[sid]


@app.post("/items")
async def add_item(item: Item, request: Request, response: Response):
    items = items_of(request, response)
    items.append(item)
    return items


@app.get("/items/{item_id}")
async def get_item(item_id: int, request: Request, response: Response):
    items = items_of(request, response)
    if item_id >= len(items):
        raise HTTPException(status_code=404, detail="Item not found")
    return items[item_id]
