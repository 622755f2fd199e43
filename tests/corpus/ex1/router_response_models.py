# verdict: correct
# exercise: ex1
# category: style
# style: APIRouters per resource, explicit response models, app metadata, 404 declared in responses
from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel


class Message(BaseModel):
    message: str


class Sum(BaseModel):
    result: int


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


basics = APIRouter(tags=["basics"])
store = APIRouter(prefix="/items", tags=["items"])

_items: list[Item] = []


@basics.get("/", response_model=Message)
async def root():
    return Message(message="Hello World")


@basics.get("/add", response_model=Sum)
async def add(x: int, y: int = 0):
    return Sum(result=x + y)


@basics.get("/user/{user_id}")
async def user_id(user_id: int, name: str | None = None):
    out: dict = {"user_id": user_id}
    if name is not None:
        out["name"] = name
    return out


@store.post("", response_model=list[Item])
async def add_item(item: Item):
    _items.append(item)
    return _items


@store.get(
    "/{item_id}",
    response_model=Item,
    responses={404: {"description": "Item not found"}},
)
async def get_item(item_id: int):
    if item_id >= len(_items):
        raise HTTPException(status_code=404, detail="Item not found")
    return _items[item_id]


app = FastAPI(title="Items API", version="1.2.3", description="STA 663 homework")
app.include_router(basics)
app.include_router(store)
