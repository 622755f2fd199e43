# verdict: correct
# exercise: ex2
# category: style
# style: the lecture's code, hardened where it crashes: /predict before a fit is 400, /fit without y is a 422 whose detail is a sentence (not FastAPI's list, so not its own OpenAPI 422 schema), mismatched or ragged data is 400, and a refused fit keeps the model
import io

import matplotlib
import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel
from sklearn.linear_model import LinearRegression

matplotlib.use("Agg")
import matplotlib.pyplot as plt

lm = LinearRegression()
X_train = None
y_train = None


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


app = FastAPI()


def get_coef():
    return {
        "intercept": lm.intercept_.tolist() if hasattr(lm, "intercept_") else None,
        "coef": lm.coef_.tolist() if hasattr(lm, "coef_") else None,
    }


def as_matrix(X: list[list[float]]) -> np.ndarray:
    if not X or not X[0] or any(len(row) != len(X[0]) for row in X):
        raise HTTPException(status_code=400, detail="X must be a non-empty table of numbers")
    matrix = np.array(X)
    if not np.isfinite(matrix).all():
        raise HTTPException(status_code=400, detail="X must hold finite numbers")
    return matrix


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
def fit(data: Data):
    global lm, X_train, y_train
    if data.y is None:
        raise HTTPException(status_code=422, detail="y is required to fit the model")
    X = as_matrix(data.X)
    y = np.array(data.y)
    if len(y) != len(X) or not np.isfinite(y).all():
        raise HTTPException(status_code=400, detail="y needs one finite number per row of X")
    model = LinearRegression().fit(X, y)
    lm, X_train, y_train = model, X, y
    return get_coef()


@app.post("/predict")
def predict(data: Data):
    if X_train is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    X = as_matrix(data.X)
    if X.shape[1] != X_train.shape[1]:
        raise HTTPException(status_code=400, detail=f"X needs {X_train.shape[1]} columns")
    y_hat = lm.predict(X)
    if not np.isfinite(y_hat).all():
        raise HTTPException(status_code=400, detail="the prediction is too large")
    return {"y_hat": y_hat.tolist()}


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
