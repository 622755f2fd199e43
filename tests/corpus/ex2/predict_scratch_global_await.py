# verdict: broken
# exercise: ex2
# category: clients
# mistake: /predict is async, keeps the X it is sent in a module-level variable (like /fit keeps X_train), awaits an async request log, then predicts from that variable: overlapping /predict requests answer each other's X
# caught-by: test_predict_overlapping_requests_each_answer_their_own_x
# tier: documented
# groups: predict
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import numpy as np
from sklearn.linear_model import LinearRegression
import asyncio
import io
import logging

log = logging.getLogger("model-api")

lm = LinearRegression()
X_train = None
y_train = None
X_new = None  # the last X sent to /predict


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


app = FastAPI()


def get_coef():
    return {
        "intercept": lm.intercept_.tolist() if hasattr(lm, "intercept_") else None,
        "coef": lm.coef_.tolist() if hasattr(lm, "coef_") else None,
    }


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
def fit(data: Data):
    global X_train, y_train
    X_train = np.array(data.X)
    y_train = np.array(data.y)
    lm.fit(X_train, y_train)
    return get_coef()


async def log_request(route: str, rows: int) -> None:
    # stands in for writing to a request log (a database, a file...)
    await asyncio.sleep(0.002)
    log.info("%s: %d rows", route, rows)


@app.post("/predict")
async def predict(data: Data):
    global X_new
    X_new = np.array(data.X)
    await log_request("/predict", len(data.X))
    return {"y_hat": lm.predict(X_new).tolist()}


@app.get("/coefs")
async def coefs():
    return get_coef()


@app.get("/plot")
async def plot():
    if X_train is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")

    y_hat = lm.predict(X_train)
    resid = y_train - y_hat

    fig, ax = plt.subplots()
    ax.scatter(y_hat, resid, alpha=0.6)
    ax.axhline(0, color="red", linewidth=1, linestyle="--")
    ax.set_xlabel("Fitted values")
    ax.set_ylabel("Residuals")
    ax.set_title("Residuals vs Fitted")
    fig.tight_layout()

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    buf.seek(0)
    plt.close(fig)

    return StreamingResponse(buf, media_type="image/png")


@app.get("/reset")
async def reset():
    global lm, X_train, y_train
    lm = LinearRegression()
    X_train = None
    y_train = None
    return {}
