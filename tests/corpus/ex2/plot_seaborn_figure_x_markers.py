# verdict: correct
# exercise: ex2
# category: style
# style: no pyplot: a matplotlib Figure drawn in the seaborn-v0_8-darkgrid style, purple x markers, a dotted zero line, 4x3 inches at 150 dpi, an asyncio lock around the state
import asyncio
import io

import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, Response
from matplotlib import style
from matplotlib.figure import Figure
from pydantic import BaseModel
from sklearn.linear_model import LinearRegression

app = FastAPI()
lock = asyncio.Lock()
state = {"lm": None, "X": None, "y": None}


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


def get_coef():
    lm = state["lm"]
    return {
        "intercept": lm.intercept_.tolist() if lm is not None else None,
        "coef": lm.coef_.tolist() if lm is not None else None,
    }


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
async def fit(data: Data):
    async with lock:
        X, y = np.array(data.X), np.array(data.y)
        state.update(lm=LinearRegression().fit(X, y), X=X, y=y)
        return get_coef()


@app.post("/predict")
async def predict(data: Data):
    async with lock:
        return {"y_hat": state["lm"].predict(np.array(data.X)).tolist()}


@app.get("/coefs")
async def coefs():
    async with lock:
        return get_coef()


@app.get("/plot")
async def plot():
    async with lock:
        if state["lm"] is None:
            raise HTTPException(status_code=400, detail="Model has not been fitted yet")
        y_hat = state["lm"].predict(state["X"])
        resid = state["y"] - y_hat
    with style.context("seaborn-v0_8-darkgrid"):
        fig = Figure(figsize=(4, 3), dpi=150)
        ax = fig.subplots()
        ax.scatter(y_hat, resid, marker="x", s=50, color="purple")
        ax.axhline(0.0, color="black", linestyle=":", linewidth=1.2)
        ax.set_xlabel("Fitted")
        ax.set_ylabel("Residual")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return Response(content=buf.getvalue(), media_type="image/png")


@app.get("/reset")
async def reset():
    async with lock:
        state.update(lm=None, X=None, y=None)
    return {}
