"""The lecture's ex2 app (a model API), faithful and hardened.

POST /fit fits ordinary least squares with an intercept (scikit-learn's LinearRegression),
POST /predict predicts from it, GET /coefs and GET /plot show it, GET /reset forgets it.
Beyond the lecture: a bad X or y is a 422 that says what is wrong (never a 500), /predict
before any fit is 400 like /plot, a failed /fit leaves the previous model and its training
data untouched, and every request sees one complete fit (see :mod:`reference_app.ols`).

Serve with ``uvicorn reference_app.ex2:app`` or ``fastapi run reference_app/ex2.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from reference_app import ols
from reference_app.body_size import max_body_bytes
from reference_app.errors import BODY_RESPONSES, Detail, install_error_handlers, validation_error
from reference_app.plot import residual_plot_png

#: A JSON number that is finite and really a number (not ``true``, ``"1"``, NaN or 1e309).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]

NOT_FITTED = "Model has not been fitted yet"


# The lecture's request body: a matrix X and, for /fit, one y value per row. (No docstring:
# it would add a description, and the schema is kept exactly as the lecture's code has it.)
class Data(BaseModel):
    X: list[list[Number]]
    y: list[Number] | None = None


class Coefs(BaseModel):
    """The fitted intercept and coefficients; both null before any fit."""

    intercept: float | None
    coef: list[float] | None


class Prediction(BaseModel):
    """The predictions for the rows of X, in order."""

    y_hat: list[float]


class Empty(BaseModel):
    """The empty JSON object ``{}``."""

    model_config = ConfigDict(extra="forbid")


class PNGResponse(Response):
    """A PNG image."""

    media_type = "image/png"


class _Model:
    """The current fit, or None; replaced whole, never changed in place."""

    fit: ols.Fit | None = None


def create_app(*, max_body_size: int | None = None) -> FastAPI:
    """A fresh ex2 app with no fitted model.

    ``max_body_size`` is the request-body limit in bytes; by default the environment variable
    ``REFERENCE_MAX_BODY_BYTES``, else 10 MiB.
    """
    app = FastAPI(max_body_size=max_body_bytes(max_body_size))
    install_error_handlers(app)
    model = _Model()

    # Redirect root requests to /docs
    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(url="/docs")

    # Fit model based on the supplied data
    @app.post("/fit", response_model=Coefs, responses=BODY_RESPONSES)
    def fit(data: Data) -> Any:
        try:
            new_fit = ols.fit_ols(data.X, data.y)
        except ols.ShapeError as exc:
            raise validation_error(*exc.errors) from None
        model.fit = new_fit
        return new_fit.coefs()

    # Predict from the fitted model
    @app.post(
        "/predict",
        response_model=Prediction,
        responses={
            **BODY_RESPONSES,
            400: {
                "model": Detail,
                "description": f"{NOT_FITTED}, or the body is not UTF-8",
            },
        },
    )
    def predict(data: Data) -> Any:
        current = model.fit
        try:
            if current is None:
                raise HTTPException(status_code=400, detail=NOT_FITTED)
            return {"y_hat": ols.predict(current, data.X)}
        except ols.ShapeError as exc:
            raise validation_error(*exc.errors) from None

    @app.get("/coefs", response_model=Coefs)
    async def coefs() -> Any:
        current = model.fit
        if current is None:
            return {"intercept": None, "coef": None}
        return current.coefs()

    @app.get(
        "/plot",
        response_class=PNGResponse,
        responses={
            200: {
                "description": "The residuals-vs-fitted plot of the last fit",
                "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
            },
            400: {
                "description": NOT_FITTED,
                "content": {"application/json": {"schema": Detail.model_json_schema()}},
            },
        },
    )
    def plot() -> PNGResponse:
        current = model.fit
        if current is None:
            raise HTTPException(status_code=400, detail=NOT_FITTED)
        resid = current.y_train - current.y_hat
        return PNGResponse(residual_plot_png(current.y_hat, resid))

    @app.get("/reset", response_model=Empty)
    async def reset() -> Any:
        model.fit = None
        return {}

    return app


app = create_app()
