# verdict: correct
# exercise: ex2
# category: style
# style: async handlers behind one asyncio.Lock, the fit and the plot computed with asyncio.to_thread, and a cache of predictions keyed by X that /fit and /reset clear
import asyncio
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel
from sklearn.linear_model import LinearRegression


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


app = FastAPI()
lock = asyncio.Lock()
state: dict = {"lm": None, "X": None, "y": None}
predictions: dict[str, list[float]] = {}  # X -> y_hat of the current model


def coefs_of(lm: LinearRegression | None) -> dict:
    if lm is None:
        return {"intercept": None, "coef": None}
    return {"intercept": float(lm.intercept_), "coef": lm.coef_.tolist()}


def draw(lm: LinearRegression, X: np.ndarray, y: np.ndarray) -> bytes:
    y_hat = lm.predict(X)
    fig, ax = plt.subplots()
    ax.scatter(y_hat, y - y_hat, alpha=0.6)
    ax.axhline(0, color="red", linewidth=1, linestyle="--")
    ax.set_xlabel("Fitted values")
    ax.set_ylabel("Residuals")
    ax.set_title("Residuals vs Fitted")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
async def fit(data: Data):
    X, y = np.array(data.X), np.array(data.y)
    async with lock:
        lm = await asyncio.to_thread(LinearRegression().fit, X, y)
        state.update(lm=lm, X=X, y=y)
        predictions.clear()
        return coefs_of(lm)


@app.post("/predict")
async def predict(data: Data):
    key = repr(data.X)
    async with lock:
        lm = state["lm"]
        if lm is None:
            raise HTTPException(status_code=400, detail="Model has not been fitted yet")
        if key not in predictions:
            predictions[key] = lm.predict(np.array(data.X)).tolist()
        return {"y_hat": predictions[key]}


@app.get("/coefs")
async def coefs():
    async with lock:
        return coefs_of(state["lm"])


@app.get("/plot")
async def plot():
    async with lock:
        lm, X, y = state["lm"], state["X"], state["y"]
        if lm is None:
            raise HTTPException(status_code=400, detail="Model has not been fitted yet")
        png = await asyncio.to_thread(draw, lm, X, y)
    return StreamingResponse(io.BytesIO(png), media_type="image/png")


@app.get("/reset")
async def reset():
    async with lock:
        state.update(lm=None, X=None, y=None)
        predictions.clear()
    return {}
