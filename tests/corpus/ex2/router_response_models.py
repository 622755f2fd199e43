# verdict: correct
# exercise: ex2
# category: style
# style: a model class holding the state, APIRouter, response models, Annotated body, small 4x3 figure at 72 dpi
import io
from typing import Annotated

import matplotlib

matplotlib.use("Agg")
import numpy as np
from fastapi import APIRouter, Body, FastAPI, HTTPException
from fastapi.responses import RedirectResponse, StreamingResponse
from matplotlib.figure import Figure
from pydantic import BaseModel
from sklearn.linear_model import LinearRegression


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


class Coefs(BaseModel):
    intercept: float | None = None
    coef: list[float] | None = None


class Prediction(BaseModel):
    y_hat: list[float]


class ModelState:
    def __init__(self) -> None:
        self.model: LinearRegression | None = None
        self.X: np.ndarray | None = None
        self.y: np.ndarray | None = None

    def coefs(self) -> Coefs:
        if self.model is None:
            return Coefs()
        return Coefs(intercept=float(self.model.intercept_), coef=self.model.coef_.tolist())


STATE = ModelState()
router = APIRouter(tags=["model"])


@router.post("/fit", response_model=Coefs)
def fit(data: Annotated[Data, Body()]) -> Coefs:
    X, y = np.array(data.X), np.array(data.y)
    model = LinearRegression().fit(X, y)
    STATE.model, STATE.X, STATE.y = model, X, y
    return STATE.coefs()


@router.post("/predict", response_model=Prediction)
def predict(data: Annotated[Data, Body()]) -> Prediction:
    if STATE.model is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    return Prediction(y_hat=STATE.model.predict(np.array(data.X)).tolist())


@router.get("/coefs", response_model=Coefs)
async def coefs() -> Coefs:
    return STATE.coefs()


@router.get("/plot")
def plot():
    if STATE.model is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    y_hat = STATE.model.predict(STATE.X)
    fig = Figure(figsize=(4, 3), dpi=72)
    ax = fig.subplots()
    ax.scatter(y_hat, STATE.y - y_hat, alpha=0.5)
    ax.axhline(0, color="red", linestyle=":")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    buf.seek(0)
    return StreamingResponse(buf, media_type="image/png")


@router.get("/reset")
async def reset() -> dict:
    STATE.model = STATE.X = STATE.y = None
    return {}


app = FastAPI(title="Linear model service")
app.include_router(router)


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")
