# verdict: correct
# exercise: ex2
# category: style
# style: the plot is drawn with Pillow alone (no matplotlib): its own frame, ticks and labels, small dark dots, a grey dashed zero line, 560x420 pixels; numpy lstsq for the fit
import io

import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, Response
from PIL import Image, ImageDraw
from pydantic import BaseModel

app = FastAPI()
model = {"beta": None, "X": None, "y": None}


class Data(BaseModel):
    X: list[list[float]]
    y: list[float] | None = None


def with_ones(X):
    return np.column_stack([np.ones(len(X)), X])


def coefs_of(beta):
    if beta is None:
        return {"intercept": None, "coef": None}
    return {"intercept": float(beta[0]), "coef": [float(b) for b in beta[1:]]}


@app.get("/", include_in_schema=False)
async def root():
    return RedirectResponse(url="/docs")


@app.post("/fit")
def fit(data: Data):
    X, y = np.array(data.X, dtype=float), np.array(data.y, dtype=float)
    beta, *_ = np.linalg.lstsq(with_ones(X), y, rcond=None)
    model.update(beta=beta, X=X, y=y)
    return coefs_of(beta)


@app.post("/predict")
def predict(data: Data):
    return {"y_hat": (with_ones(np.array(data.X, dtype=float)) @ model["beta"]).tolist()}


@app.get("/coefs")
async def coefs():
    return coefs_of(model["beta"])


def scale(lo, hi, start, stop):
    """A function from data to pixels with 8 % of room at both ends."""
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad
    return lambda v: start + (v - lo) / (hi - lo) * (stop - start)


def residual_png(fitted, resid, width=560, height=420):
    left, top, right, bottom = 70, 40, width - 20, height - 60
    px = scale(fitted.min(), fitted.max(), left, right)
    py = scale(min(resid.min(), 0.0), max(resid.max(), 0.0), bottom, top)
    image = Image.new("RGB", (width, height), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((left, top, right, bottom), outline=(40, 40, 40))
    for value in np.linspace(fitted.min(), fitted.max(), 5):
        x = px(value)
        draw.line((x, bottom, x, bottom + 6), fill=(40, 40, 40))
        draw.text((x - 12, bottom + 10), f"{value:.2f}", fill=(40, 40, 40))
    for value in np.linspace(resid.min(), resid.max(), 5):
        y = py(value)
        draw.line((left - 6, y, left, y), fill=(40, 40, 40))
        draw.text((left - 50, y - 6), f"{value:.2f}", fill=(40, 40, 40))
    draw.text((width // 2 - 40, height - 30), "Fitted values", fill=(40, 40, 40))
    draw.text((10, 12), "Residuals vs Fitted", fill=(40, 40, 40))
    zero = py(0.0)
    for x in range(left + 1, right - 1, 12):
        draw.line((x, zero, min(x + 7, right - 1), zero), fill=(120, 120, 120), width=2)
    for u, v in zip(fitted, resid):
        x, y = px(u), py(v)
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=(20, 40, 120))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


@app.get("/plot")
def plot():
    if model["beta"] is None:
        raise HTTPException(status_code=400, detail="Model has not been fitted yet")
    fitted = with_ones(model["X"]) @ model["beta"]
    return Response(content=residual_png(fitted, model["y"] - fitted), media_type="image/png")


@app.get("/reset")
async def reset():
    model.update(beta=None, X=None, y=None)
    return {}
