# verdict: broken
# exercise: ex2
# category: clients
# mistake: each client gets its own model, kept under a session cookie ("so students do not overwrite each other's model"): the lecture's separate requests carry no cookie, so /coefs, /predict and /plot never see the model /fit made
# caught-by: test_documented[coefs-after-fit] test_coefs_are_the_fit_another_client_sent test_fresh_start[coefs-after-fit]
# tier: documented
# groups: coefs predict plot
import uuid
from dataclasses import dataclass, field

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import numpy as np
from sklearn.linear_model import LinearRegression
import io


@dataclass
class Session:
    lm: LinearRegression = field(default_factory=LinearRegression)
    X_train: np.ndarray | None = None
    y_train: np.ndarray | None = None


sessions: dict[str, Session] = {}


def session_of(request: Request, response: Response) -> Session:
    sid = request.cookies.get("session")
    if sid not in sessions:
        sid = uuid.uuid4().hex
        sessions[sid] = Session()
        response.set_cookie("session", sid)
    return sessions[sid]


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


app = FastAPI()


def get_coef(lm):
    return {
        "intercept": lm.intercept_.tolist() if hasattr(lm, "intercept_") else None,
        "coef": lm.coef_.tolist() if hasattr(lm, "coef_") else None,
    }


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
def fit(data: Data, request: Request, response: Response):
    session = session_of(request, response)
    session.X_train = np.array(data.X)
    session.y_train = np.array(data.y)
    session.lm.fit(session.X_train, session.y_train)
    return get_coef(session.lm)


@app.post("/predict")
def predict(data: Data, request: Request, response: Response):
    session = session_of(request, response)
    return {"y_hat": session.lm.predict(np.array(data.X)).tolist()}


@app.get("/coefs")
async def coefs(request: Request, response: Response):
    return get_coef(session_of(request, response).lm)


@app.get("/plot")
async def plot(request: Request, response: Response):
    session = session_of(request, response)
    if session.X_train is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")

    y_hat = session.lm.predict(session.X_train)
    resid = session.y_train - y_hat

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
async def reset(request: Request, response: Response):
    sessions.pop(request.cookies.get("session"), None)
    return {}
