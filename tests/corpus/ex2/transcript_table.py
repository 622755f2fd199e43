# verdict: broken
# exercise: ex2
# category: model-fit
# mistake: answers the lecture's transcript from a table: /fit, /coefs and /predict give the seeded demo's numbers whatever data was sent, so only the slides' requests get the right answers
# caught-by: test_every_answer_is_the_lecture_s_answer test_fit_is_ordinary_least_squares
# tier: property
# groups: fit predict coefs plot
import io

import matplotlib
import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

matplotlib.use("Agg")
import matplotlib.pyplot as plt

# What the lecture's code answers for the "Fitting the model" data (seed 1234, n = 100).
DEMO = {
    "intercept": -0.029986983403956446,
    "coef": [
        4.98851656779433,
        0.02257341892817788,
        0.10619460963286018,
        2.9667410401586496,
        -1.9993541332647788,
    ],
}
NOTHING = {"intercept": None, "coef": None}


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


app = FastAPI()
state: dict = {"coefs": NOTHING, "X": None, "y": None}


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
def fit(data: Data):
    state["coefs"] = DEMO
    state["X"], state["y"] = np.array(data.X), np.array(data.y)
    return DEMO


@app.post("/predict")
def predict(data: Data):
    X = np.array(data.X)
    coefs = state["coefs"]
    return {"y_hat": (X @ np.array(coefs["coef"]) + coefs["intercept"]).tolist()}


@app.get("/coefs")
async def coefs():
    return state["coefs"]


@app.get("/plot")
async def plot():
    if state["X"] is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    coefs = state["coefs"]
    y_hat = state["X"] @ np.array(coefs["coef"]) + coefs["intercept"]
    resid = state["y"] - y_hat
    fig, ax = plt.subplots()
    ax.scatter(y_hat, resid, alpha=0.6)
    ax.axhline(0, color="red", linewidth=1, linestyle="--")
    ax.set_title("Residuals vs Fitted")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    buf.seek(0)
    return StreamingResponse(buf, media_type="image/png")


@app.get("/reset")
async def reset():
    state.update(coefs=NOTHING, X=None, y=None)
    return {}
