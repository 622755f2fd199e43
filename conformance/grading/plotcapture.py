"""ex2's /plot for the report: the student's picture and the reference app's, same data.

After the suite has run, and before the student's server is stopped, ``capture`` asks it once
more for a plot of the lecture's seeded data (``/reset``, ``POST /fit``, ``GET /plot``) and
keeps the image (base64, capped in size) in the report's ``extra_data``. The score never depends
on it: the suite's own /plot tests grade the endpoint. ``reference_png`` draws the reference
app's plot for the same data, in this process, with the reference app's own code.
"""

from __future__ import annotations

import base64
import threading
from functools import cache
from typing import Any

import httpx

from conformance.regression import seeded_demo

DATASET = "seeded_demo"
"""The data fitted before the plot is taken: the lecture's "Fitting the model" data."""

DATASET_TITLE = "the lecture's seeded data (seed 1234, n=100, 5 features)"

MAX_IMAGE_BYTES = 1_000_000
"""A larger /plot response is not kept (a report must stay small)."""

EXTRA_KEY = "plot"
"""Where the capture is kept in a Gradescope report's ``extra_data``."""


PLOTTED_EXERCISES = ("ex2",)
"""The exercises that have a /plot."""


def for_report(exercise: str, base_url: str, timeout: float) -> dict[str, Any] | None:
    """The capture to keep in ``exercise``'s report, or None when it has no /plot."""
    return capture(base_url, timeout) if exercise in PLOTTED_EXERCISES else None


def capture(base_url: str, timeout: float) -> dict[str, Any]:
    """Fit the seeded data, fetch /plot: ``{"dataset", "image_base64"?, "problem"?}``."""
    record: dict[str, Any] = {"dataset": DATASET}
    try:
        with httpx.Client(base_url=base_url, timeout=timeout) as client:
            client.get("/reset")
            fitted = client.post("/fit", json=seeded_demo().body())
            if fitted.status_code != 200:
                record["problem"] = f"POST /fit answered {fitted.status_code}, so no plot"
                return record
            with client.stream("GET", "/plot") as response:
                content = _read_capped(response)
    except httpx.HTTPError as error:
        record["problem"] = f"the server did not answer: {type(error).__name__}: {error}"
        return record
    ctype = response.headers.get("content-type", "(none)")
    if content is None:
        record["problem"] = f"GET /plot sent more than {MAX_IMAGE_BYTES} bytes"
    elif response.status_code != 200:
        record["problem"] = f"GET /plot answered {response.status_code} ({ctype})"
    elif media_type(content) is None:
        record["problem"] = f"GET /plot sent no image (content-type {ctype})"
    else:
        record["image_base64"] = base64.b64encode(content).decode("ascii")
        if media_type(content) != "image/png":
            record["problem"] = f"GET /plot sent {media_type(content)}, not a PNG ({ctype})"
    return record


SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)


def media_type(content: bytes) -> str | None:
    """The image type the bytes start with (PNG, JPEG or GIF), else None."""
    for signature, name in SIGNATURES:
        if content.startswith(signature):
            return name
    return None


def _read_capped(response: httpx.Response) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


_REFERENCE_LOCK = threading.Lock()
"""One drawing of the reference plot at a time; a second caller waits and reuses it."""


def reference_png(dataset: str = DATASET) -> bytes | None:
    """The reference app's residuals plot for ``dataset`` (None for a dataset it does not know)."""
    with _REFERENCE_LOCK:
        return _reference_png(dataset)


@cache
def _reference_png(dataset: str) -> bytes | None:
    if dataset != DATASET:
        return None
    from reference_app import ols
    from reference_app.plot import residual_plot_png

    data = seeded_demo()
    fit = ols.fit_ols(data.X, data.y)
    return residual_plot_png(fit.y_hat, fit.y_train - fit.y_hat)
