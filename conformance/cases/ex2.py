"""ex2 transcripts: every request the lecture sends to ex2/app.py, in lecture order.

The numbers the slides print for the seeded demo are not what the lecture's code computes
(see the project's notes): the expected values here are computed with numpy from the same
seeded data, never copied from the slides.
"""

from __future__ import annotations

from conformance.cases import Case, FromFit, Png, Redirect, get, post
from conformance.matchers import close_all
from conformance.openapi import Body
from conformance.registry import Operation, Picture, lecture_exercise
from conformance.regression import least_squares, seeded_demo

DEMO = seeded_demo()
DEMO_FIT = least_squares(DEMO.X, DEMO.y)

# Tolerances: on this well-conditioned design every least-squares solver (scikit-learn,
# numpy lstsq, the normal equations) agrees to about 1e-13; 1e-6 relative with a 1e-9 floor
# leaves room for any BLAS while still failing regularised or rounded fits.
COEFS = {"intercept": close_all([DEMO_FIT.intercept])[0], "coef": close_all(DEMO_FIT.coef)}
Y_HAT = {"y_hat": close_all(DEMO_FIT.predict(DEMO.X))}

RESET = get("/reset")
FIT_DEMO = post("/fit", DEMO.body())

CASES = [
    # "FastAPI - A model API": `# Redirect root requests to /docs` (code only, no transcript).
    Case("root-redirects-to-docs", "FastAPI - A model API", get("/"), 307, Redirect("/docs")),
    # "FastAPI - A model API": `/reset` returns `{}` (code only, no transcript).
    Case("reset-answers-empty-object", "FastAPI - A model API", RESET, 200, {}),
    # "Fitting the model"
    Case("fit-seeded-demo", "Fitting the model", FIT_DEMO, 200, COEFS, setup=(RESET,)),
    # "Predicting from the model"
    Case(
        "predict-seeded-demo",
        "Predicting from the model",
        post("/predict", {"X": DEMO.X}),
        200,
        FromFit(Y_HAT, X=DEMO.X),
        setup=(RESET, FIT_DEMO),
    ),
    Case(
        "coefs-after-fit",
        "Predicting from the model",
        get("/coefs"),
        200,
        FromFit(COEFS),
        setup=(RESET, FIT_DEMO),
    ),
    # "Residuals plot"
    Case("plot-is-png", "Residuals plot", get("/plot"), 200, Png(), setup=(RESET, FIT_DEMO)),
]

# --- what ex2/app.py declares, as /openapi.json shows it -----------------------------------
# The root redirect is include_in_schema=False in the lecture: it is not required here.

# Each operation's rules (conformance.rules): the aspects of its answers it is judged on, and
# what the lecture says of those where the generic sentence says too little.
OPERATIONS = [
    Operation(
        "POST",
        ("/fit",),
        changes_state=True,
        sentences=(("values", "answers the intercept and coefficients of least squares"),),
    ),
    Operation(
        "POST",
        ("/predict",),
        sentences=(("values", "answers y_hat = X @ coef + intercept of the current fit"),),
    ),
    Operation(
        "GET",
        ("/coefs",),
        aspects=("shape", "values"),
        sentences=(("values", "answers the last fit's coefficients, or nulls before any fit"),),
    ),
    Operation(
        "GET",
        ("/plot",),
        aspects=("refusal", "media", "values"),
        sentences=(
            ("values", "draws the residuals against the fitted values of the current fit"),
            ("refusal", 'answers 400 {"detail": "Model has not been fitted yet"} before a fit'),
            ("media", "answers a PNG image (image/png)"),
        ),
    ),
    Operation(
        "GET",
        ("/reset",),
        aspects=("shape", "values"),
        changes_state=True,
        resets_state=True,
        sentences=(("values", "answers {} and forgets the model (nulls, 400 from /plot)"),),
    ),
]

ARRAY = frozenset({"array"})

BODIES = [
    Body(
        "fit-data",
        "POST",
        ("/fit",),
        fields={"X": ARRAY, "y": ARRAY},
        required=frozenset({"X"}),
        items={"X": frozenset({"array"}), "y": frozenset({"number"})},
    ),
    Body(
        "predict-data",
        "POST",
        ("/predict",),
        fields={"X": ARRAY},
        required=frozenset({"X"}),
        optional=frozenset({"y"}),
        items={"X": frozenset({"array"})},
    ),
]

EXERCISE = lecture_exercise(
    "ex2",
    "the lecture's ex2 (the model API: /fit, /predict, /coefs, /plot, /reset)",
    cases=CASES,
    operations=OPERATIONS,
    bodies=BODIES,
    picture=Picture(
        setup=(RESET, FIT_DEMO),
        path="/plot",
        title="GET /plot after fitting the lecture's seeded data (seed 1234, n=100, 5 features)",
    ),
)
