# verdict: correct
# exercise: ex2
# category: style
# style: the model lives on app.state, created by a lifespan handler; plain def handlers with a threading.Lock; the fit (numpy lstsq) is computed outside the lock and swapped in whole; the plot is drawn with matplotlib's Figure (no pyplot) in a def handler
import io
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from matplotlib.figure import Figure
from pydantic import BaseModel


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


@dataclass(frozen=True)
class Fit:
    intercept: float
    coef: np.ndarray
    X: np.ndarray
    y: np.ndarray

    def predict(self, X: np.ndarray) -> np.ndarray:
        return X @ self.coef + self.intercept


class ModelState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fit: Fit | None = None

    def current(self) -> Fit | None:
        with self.lock:
            return self.fit

    def replace(self, fit: Fit | None) -> None:
        with self.lock:
            self.fit = fit


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.model = ModelState()
    yield


app = FastAPI(lifespan=lifespan)


def coefs_of(fit: Fit | None) -> dict:
    if fit is None:
        return {"intercept": None, "coef": None}
    return {"intercept": float(fit.intercept), "coef": fit.coef.tolist()}


@app.get("/", include_in_schema=False)
def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
def fit(data: Data, request: Request):
    X = np.array(data.X, dtype=float)
    y = np.array(data.y, dtype=float)
    design = np.column_stack([np.ones(len(X)), X])
    solution, *_ = np.linalg.lstsq(design, y, rcond=None)
    new = Fit(float(solution[0]), solution[1:], X, y)
    request.app.state.model.replace(new)
    return coefs_of(new)


@app.post("/predict")
def predict(data: Data, request: Request):
    current = request.app.state.model.current()
    if current is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    return {"y_hat": current.predict(np.array(data.X, dtype=float)).tolist()}


@app.get("/coefs")
def coefs(request: Request):
    return coefs_of(request.app.state.model.current())


@app.get("/plot")
def plot(request: Request):
    current = request.app.state.model.current()
    if current is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    y_hat = current.predict(current.X)
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.scatter(y_hat, current.y - y_hat, alpha=0.6)
    ax.axhline(0, color="red", linewidth=1, linestyle="--")
    ax.set_xlabel("Fitted values")
    ax.set_ylabel("Residuals")
    ax.set_title("Residuals vs Fitted")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return Response(buf.getvalue(), media_type="image/png")


@app.get("/reset")
def reset(request: Request):
    request.app.state.model.replace(None)
    return {}
