"""What the schemathesis hooks know of ex2: its six rules as checks, the fitted model followed
from the answers, /fit and /predict bodies kept well-posed, the statuses the lecture documents
beyond schemathesis' defaults, and the root route and links added to the document.

After a ``POST /fit`` of the input domain that answered 200 the model is the fit of that body;
after ``GET /reset`` answered 200 there is none (as on a fresh server); a request outside the
domain that was not refused (robust mode) leaves it unknown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from conformance.cases import Call, post
from conformance.domain.shape import finite, matrix_shape
from conformance.exercise_hooks import (
    ExerciseHooks,
    Followed,
    LectureCheck,
    Link,
    Route,
    canonical,
    short,
)
from conformance.regression import well_conditioned

if TYPE_CHECKING:
    from conformance.exercise_hooks import Answered, Draft, Held

UNFITTED = "null"
"""What a fresh server, or one after GET /reset, holds: no model."""

MAX_COLUMNS = 5
"""A /fit body made well-posed keeps its width up to this many columns."""

CHECKS = (
    LectureCheck("root_redirects_to_docs", "GET /", "GET / redirects to this server's /docs",
                 "FastAPI - A model API", redirects_to="/docs"),
    LectureCheck("fit_least_squares", "POST /fit",
                 "POST /fit fits ordinary least squares with an intercept and answers its "
                 "coefficients", "Fitting the model"),
    LectureCheck("predict_from_fit", "POST /predict",
                 "POST /predict answers the fitted model's y_hat for the X it is sent",
                 "Predicting from the model", stateful=True),
    LectureCheck("coefs_of_last_fit", "GET /coefs",
                 "GET /coefs answers the last fit's intercept and coef (nulls before any fit)",
                 "FastAPI - A model API", stateful=True),
    LectureCheck("plot_residuals_png", "GET /plot",
                 "GET /plot answers a PNG of the current fit (400 before any fit): the same "
                 "model the same image, another fit another image", "Residuals plot",
                 stateful=True, image=True),
    LectureCheck("reset_forgets_fit", "GET /reset", "GET /reset forgets the model and answers {}",
                 "FastAPI - A model API"),
)  # fmt: skip


def after(held: Held, answered: Answered) -> Held:
    """The model after a /fit or a /reset (None when it cannot be told)."""
    if answered.label == "POST /fit":
        refused = 400 <= answered.status < 500
        if answered.in_domain and answered.status == 200 and isinstance(answered.body, dict):
            return canonical({"X": answered.body.get("X"), "y": answered.body.get("y")})
        return held if refused else None
    if answered.label == "GET /reset":
        return UNFITTED if answered.status == 200 else None
    return held


def setup(held: str) -> tuple[Call, ...]:
    """The fit's body posted again (nothing for no model)."""
    fit = json.loads(held)
    return () if fit is None else (post("/fit", fit),)


def describe(held: str) -> list[str]:
    fit = json.loads(held)
    if fit is None:
        return ["no model fitted (GET /reset answered, no POST /fit since)"]
    X = fit["X"]
    return [f"POST /fit {short(fit)}  ({len(X)} rows, {len(X[0]) if X else 0} columns)"]


def columns(held: Held) -> Mapping[str, Any]:
    """The fitted model's number of columns, as the input domain reads it."""
    if held is None:
        return {"columns": None, "known": False}
    fit = json.loads(held)
    X = fit["X"] if isinstance(fit, dict) else None
    width = len(X[0]) if isinstance(X, list) and X and isinstance(X[0], list) else None
    return {"columns": width, "known": True}


def well_posed(body: dict[str, Any]) -> dict[str, Any]:
    """Training data with a unique least-squares fit, as wide and long as ``body`` (within
    bounds), drawn from a seed that the body itself gives (the same body, the same data)."""
    X = body.get("X")
    first = X[0] if isinstance(X, list) and X and isinstance(X[0], list) else []
    width = min(max(len(first), 1), MAX_COLUMNS)
    rows = min(max(len(X) if isinstance(X, list) else 0, 2 * width + 4), 30)
    text = json.dumps(body, sort_keys=True, default=repr)
    seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
    return well_conditioned(seed, rows, width, intercept=float(seed % 101 - 50)).body()


def with_columns(body: dict[str, Any], width: int) -> dict[str, Any] | None:
    """``body`` with every row of X cut or padded (with 0.0) to ``width`` values; None when
    X is not a list of lists of finite numbers (then it is sent as it is)."""
    X = body.get("X")
    if not isinstance(X, list) or not all(isinstance(row, list) for row in X):
        return None
    if not all(finite(v, 1e100) for row in X for v in row):
        return None
    rows = [([*row, *([0.0] * width)])[:width] for row in X] or [[0.0] * width]
    if matrix_shape(rows) is None:
        return None
    return {**body, "X": rows}


def predict_the_fitted_width(draft: Draft) -> Draft:
    """POST /predict: once the fitted width is known, X gets it (:func:`with_columns`)."""
    width = draft.domain.get("columns")
    if not isinstance(draft.body, dict) or not width:
        return draft
    reshaped = with_columns(draft.body, width)
    return draft if reshaped is None else replace(draft, body=reshaped)


ROOT = Route(
    "/",
    {
        "get": {
            "summary": "Redirect root requests to /docs (the lecture's ex2; added by the "
            "conformance hooks: the lecture's code does not declare it)",
            "operationId": "conformance_root_redirect",
            "responses": {"3XX": {"description": "A redirect to /docs"}},
        }
    },
    "GET / (the lecture's redirect to /docs)",
)
"""The lecture's ex2 redirects GET / to /docs with ``include_in_schema=False``, so no correct
server declares it; it is added (answering any 3xx, which schemathesis then does not follow)
so that the redirect is checked like every other route."""

LINKS = (
    Link("PredictFromFit", "POST /fit", "POST /predict", {"X": "$request.body#/X"}),
    Link("CoefsOfFit", "POST /fit", "GET /coefs"),
    Link("PlotOfFit", "POST /fit", "GET /plot"),
    Link("ResetAfterFit", "POST /fit", "GET /reset"),
    Link("PlotAfterReset", "GET /reset", "GET /plot"),
    Link("CoefsAfterReset", "GET /reset", "GET /coefs"),
    Link("PredictAfterReset", "GET /reset", "POST /predict"),
    Link("FitAfterReset", "GET /reset", "POST /fit"),
)
"""Sequences in which the state matters: after a /fit, a /predict of the same X (so of the
fitted width), /coefs, /plot and /reset; after a /reset, /plot, /coefs, /predict, a new /fit."""

HOOKS = ExerciseHooks(
    checks=CHECKS,
    state=Followed(fresh=UNFITTED, after=after, setup=setup, describe=describe, domain=columns),
    guarded=frozenset({"POST /fit"}),
    repairs={"POST /fit": well_posed},
    shapes={"POST /predict": predict_the_fitted_width},
    # /plot and /predict before any fit answer 400; /fit and /predict refuse schema-valid
    # bodies of the wrong shape (no y, ragged X...) with 422
    robust_statuses={"GET /plot": ("400",), "POST /predict": ("400", "422"), "POST /fit": ("422",)},
    routes=(ROOT,),
    links=LINKS,
)
