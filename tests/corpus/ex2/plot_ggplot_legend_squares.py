# verdict: correct
# exercise: ex2
# category: style
# style: the plot in matplotlib's ggplot style (grey panel, white grid): big dark green squares with black edges, a solid black zero line, a grid and a legend, 5x4 inches at 110 dpi cut to its tight bounding box
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel
from sklearn.linear_model import LinearRegression

app = FastAPI()
fitted_model = None
training = None


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


def coefficients():
    if fitted_model is None:
        return {"intercept": None, "coef": None}
    return {
        "intercept": float(fitted_model.intercept_),
        "coef": fitted_model.coef_.tolist(),
    }


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
def fit(data: Data):
    global fitted_model, training
    X, y = np.array(data.X), np.array(data.y)
    fitted_model = LinearRegression().fit(X, y)
    training = (X, y)
    return coefficients()


@app.post("/predict")
def predict(data: Data):
    return {"y_hat": fitted_model.predict(np.array(data.X)).tolist()}


@app.get("/coefs")
async def coefs():
    return coefficients()


@app.get("/plot")
def plot():
    if fitted_model is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    X, y = training
    y_hat = fitted_model.predict(X)
    with plt.style.context("ggplot"):
        fig, ax = plt.subplots(figsize=(5, 4), dpi=110)
        ax.scatter(y_hat, y - y_hat, s=70, marker="s", color="darkgreen",
                   edgecolors="black", label="residual")
        ax.axhline(0, color="black", linewidth=1.5, label="zero")
        ax.grid(True)
        ax.legend()
        ax.set(xlabel="fitted value", ylabel="residual", title="Residuals against fitted values")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        plt.close(fig)
    buf.seek(0)
    return StreamingResponse(buf, media_type="image/png")


@app.get("/reset")
async def reset():
    global fitted_model, training
    fitted_model = training = None
    return {}
