# verdict: correct
# exercise: ex2
# category: style
# style: no scikit-learn: numpy lstsq with a column of ones, 302 redirect, 8x6 in figure at 120 dpi, Response instead of StreamingResponse
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

app = FastAPI()

state = {"beta": None, "X": None, "y": None}


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


def design(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([np.ones(len(X)), X])


def coefs_dict():
    beta = state["beta"]
    if beta is None:
        return {"intercept": None, "coef": None}
    return {"intercept": float(beta[0]), "coef": [float(b) for b in beta[1:]]}


@app.get("/", include_in_schema=False)
def root():
    return RedirectResponse("/docs", status_code=302)


@app.post("/fit")
def fit(data: Data):
    X = np.asarray(data.X, dtype=float)
    y = np.asarray(data.y, dtype=float)
    beta, *_ = np.linalg.lstsq(design(X), y, rcond=None)
    state.update(beta=beta, X=X, y=y)
    return coefs_dict()


@app.post("/predict")
def predict(data: Data):
    if state["beta"] is None:
        raise HTTPException(400, "Model has not been fitted yet")
    return {"y_hat": (design(data.X) @ state["beta"]).tolist()}


@app.get("/coefs")
def coefs():
    return coefs_dict()


@app.get("/plot")
def plot():
    if state["beta"] is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    fitted = design(state["X"]) @ state["beta"]
    resid = state["y"] - fitted

    fig, ax = plt.subplots(figsize=(8, 6), dpi=120)
    ax.scatter(fitted, resid, s=12, color="tab:blue")
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set(xlabel="Fitted", ylabel="Residual", title="Residuals vs fitted")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return Response(content=buf.getvalue(), media_type="image/png")


@app.get("/reset")
def reset():
    state.update(beta=None, X=None, y=None)
    return {}
