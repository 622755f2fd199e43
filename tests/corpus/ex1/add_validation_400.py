# verdict: broken
# exercise: ex1
# category: validation
# mistake: a RequestValidationError handler turns every validation error into 400 (with FastAPI's detail list), not 422
# caught-by: test_documented[add-missing-x-is-422] test_documented[add-text-x-is-422] test_documented[user-text-id-is-422] test_documented[items-post-without-price-is-422]
# tier: documented
# groups: add user items-get items-post
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

app = FastAPI()


# bad input is a client error -> 400 Bad Request
@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    return JSONResponse(status_code=400, content={"detail": exc.errors()})


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
