"""ex2's input domain: where the lecture's ex2/app.py answers, route by route.

Read with ``../shared/lecture-behaviour.md`` (b): the lecture's /fit crashes on a body without
y (or y null), on a y whose length is not X's, on a ragged or empty X, on rows without values
and on NaN; its /predict crashes before any fit, on a wrong number of columns, on an empty or
ragged X and on values whose prediction overflows; a failed /fit leaves half a model behind,
so /plot afterwards crashes too. Requests in the domain never fail a /fit, so that state never
arises in the default tier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from conformance import strategies as gen
from conformance.cases import Call, get, post
from conformance.domain.shape import (
    OperationDomain,
    Request,
    State,
    finite,
    matrix_shape,
    no_text_or_bools,
)
from conformance.regression import Dataset, well_conditioned

LARGEST = 1e100
"""Values beyond this may overflow a least-squares fit or a prediction (inf is not JSON)."""

WELL_POSED = 1e8
"""The largest condition number of [1 X] for which every solver finds the same fit."""


def _validates(body: Any) -> bool:
    """The body is a Data: X a list of lists of numbers, y absent, null or a list of numbers."""
    if not isinstance(body, dict) or not isinstance(body.get("X"), list):
        return False
    if not all(isinstance(row, list) and all(finite(v) for v in row) for row in body["X"]):
        return False
    y = body.get("y")
    return y is None or (isinstance(y, list) and all(finite(v) for v in y))


def _numbers_small(values: Any) -> bool:
    return all(finite(v, LARGEST) for v in np.ravel(np.asarray(values, dtype=object)))


def data_is_refused_alike(body: Any) -> bool:
    """A body every server refuses with the same 422: not an object, X missing, or numbers
    where lists belong (no text and no bools, which the lecture's lax float reads)."""
    return not _validates(body) and no_text_or_bools(body)


def fit_is_unique(request: Request, state: State) -> bool:
    """/fit of a y for each row of a rectangular X, finite values, and one least-squares fit:
    more rows than columns, and [1 X] well conditioned (else every minimiser is right)."""
    body = request.body
    if not _validates(body):
        return data_is_refused_alike(body)
    shape = matrix_shape(body["X"])
    y = body.get("y")
    if shape is None or y is None or len(y) != shape[0]:
        return False
    if not (_numbers_small(body["X"]) and _numbers_small(y)):
        return False
    design = np.column_stack([np.ones(shape[0]), np.asarray(body["X"], dtype=float)])
    return shape[0] > shape[1] + 1 and float(np.linalg.cond(design)) < WELL_POSED


def predict_after_fit(request: Request, state: State) -> bool:
    """/predict after a fit, of a rectangular X with the fitted number of columns."""
    body = request.body
    if not _validates(body):
        return data_is_refused_alike(body)
    shape = matrix_shape(body["X"])
    columns = state.get("columns")
    return (
        columns is not None
        and shape is not None
        and shape[1] == columns
        and _numbers_small(body["X"])
    )


def fit_first(request: Request) -> tuple[tuple[Call, ...], State]:
    """Before a /predict: a fit with as many columns as its X has."""
    shape = matrix_shape(request.body.get("X")) if isinstance(request.body, dict) else None
    if shape is None:
        return (), {"columns": None}
    data = well_conditioned(seed=shape[1], n=2 * shape[1] + 4, p=shape[1], intercept=1.0)
    return (get("/reset"), post("/fit", data.body())), {"columns": shape[1]}


def predict_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """{"X": rows of one to five columns}, sometimes with a y (which /predict ignores)."""
    y = st.lists(st.floats(-100, 100, allow_nan=False), max_size=3)
    return st.integers(1, 5).flatmap(
        lambda p: st.fixed_dictionaries({"X": gen.rows(p)}, optional={"y": st.none() | y})
    )


OPERATIONS = (
    OperationDomain("GET /"),
    OperationDomain(
        "POST /fit",
        answers=fit_is_unique,
        numbers="fit",
        bodies=gen.datasets().map(Dataset.body),
        crashes=(
            "no y, or y null: TypeError (500), and X_train is kept, so /plot crashes after",
            "y not as long as X, a ragged X, no rows, rows without values, NaN: ValueError",
            "values so large that the fit is not finite: the JSON cannot be written",
        ),
        either=(
            "fewer rows than columns + 1, or columns that are (nearly) collinear: many fits "
            "are least squares, and each solver picks its own",
            'numbers given as text ("1.5") or true: the lax float reads them',
        ),
    ),
    OperationDomain(
        "POST /predict",
        answers=predict_after_fit,
        setup=fit_first,
        numbers="prediction",
        bodies=predict_bodies(),
        crashes=(
            "before any fit, or after /reset: NotFittedError (500)",
            "a number of columns other than the fit's, no rows, a ragged X, NaN: ValueError",
            "values whose prediction overflows to inf: the JSON cannot be written",
        ),
        either=('numbers given as text ("1.5") or true: the lax float reads them',),
    ),
    OperationDomain("GET /coefs", numbers="fit"),
    OperationDomain("GET /plot"),
    OperationDomain("GET /reset"),
)
