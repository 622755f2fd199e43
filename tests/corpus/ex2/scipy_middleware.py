# verdict: correct
# exercise: ex2
# category: style
# style: scipy.linalg.lstsq on centred data, timing/CORS middleware and custom headers, RedirectResponse(status_code=302), PNG with a different dpi
import io
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import scipy.linalg
from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"])


@app.middleware("http")
async def timing(request: Request, call_next):
    t0 = time.time()
    response = await call_next(request)
    response.headers["X-Elapsed-ms"] = str(round(1000 * (time.time() - t0), 2))
    response.headers["Cache-Control"] = "no-store"
    return response


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


fitted = {}


def fit_ols(X, y):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    coef, *_ = scipy.linalg.lstsq(X - x_mean, y - y_mean)
    return y_mean - x_mean @ coef, coef


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs", status_code=302)


@app.post("/fit")
async def fit(data: Data):
    X = np.array(data.X)
    y = np.array(data.y)
    intercept, coef = fit_ols(X, y)
    fitted.clear()
    fitted.update(intercept=float(intercept), coef=coef, X=X, y=y)
    return {"intercept": fitted["intercept"], "coef": coef.tolist()}


@app.post("/predict")
async def predict(data: Data):
    X = np.array(data.X)
    return {"y_hat": (fitted["intercept"] + X @ fitted["coef"]).tolist()}


@app.get("/coefs")
async def coefs():
    if not fitted:
        return {"intercept": None, "coef": None}
    return {"intercept": fitted["intercept"], "coef": fitted["coef"].tolist()}


@app.get("/plot")
async def plot():
    if not fitted:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    y_hat = fitted["intercept"] + fitted["X"] @ fitted["coef"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(y_hat, fitted["y"] - y_hat)
    ax.axhline(0, color="grey")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200)
    plt.close(fig)
    buf.seek(0)
    return StreamingResponse(buf, media_type="image/png", headers={"X-Plot": "residuals"})


@app.get("/reset")
async def reset():
    fitted.clear()
    return {}
