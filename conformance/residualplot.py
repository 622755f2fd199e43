"""Whether a PNG shows what the lecture's "Residuals plot" of a fit implies, and if not, why.

The lecture draws ``ax.scatter(y_hat, resid)`` and ``ax.axhline(0)``: one marker per row
of the training data, across at its fitted value and up at its residual, on axes that grow
to the right and upwards, and a horizontal line at residual 0. :func:`judge` checks exactly
that and nothing about the style: the markers (:mod:`conformance.plotread`) must be where
some increasing axes put the rows' (fitted, residual) points (:mod:`conformance.plotmatch`),
every distinct point must have its marker, the line at residual 0 must be there, and no
more than a few markers like them may be no row's. When the markers are not there, the
usual mistakes are tried in turn (sign flipped, y or the row number or a column of X
instead of the fitted values, swapped axes, some rows missing) to name the one it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from conformance import plotmatch, plotread
from conformance.plotread import Blob, DecodedPlot
from conformance.residuals import Residuals, distinct

SHOWN = 3
"""How many missing or extra markers a message names."""


@dataclass(frozen=True)
class Reading:
    """One picture read against one fit: where its points are, what is wrong (None: right)."""

    residuals: Residuals
    points: list[tuple[float, float]]
    rows: list[list[int]]
    located: plotmatch.Located | None
    problem: str | None

    @property
    def passed(self) -> bool:
        return self.problem is None

    def found(self) -> str:
        """'a marker at 20 of the 24 distinct positions of the 104 rows' and the like."""
        count = self.located.count if self.located else 0
        rows = len(self.residuals.data.y)
        return (
            f"a marker at {count} of the {len(self.points)} distinct positions of the {rows} rows"
        )


def judge(picture: DecodedPlot, fits: Sequence[Residuals]) -> Reading:
    """The reading against the first fit the picture shows, else against the first fit."""
    readings = []
    for residuals in fits:
        reading = read_against(picture, residuals)
        if reading.passed:
            return reading
        readings.append(reading)
    return readings[0]


def read_against(picture: DecodedPlot, residuals: Residuals) -> Reading:
    points, rows = distinct(residuals.points())
    located = plotmatch.locate(picture, points)
    reading = Reading(residuals, points, rows, located, problem=None)
    return replace(reading, problem=_problem(picture, reading))


def _problem(picture: DecodedPlot, reading: Reading) -> str | None:
    located, points = reading.located, reading.points
    if located is None or located.count < len(points):
        return _missing(picture, reading)
    fitted = [u for u, _ in points]
    left, right = located.x.pixel(min(fitted)), located.x.pixel(max(fitted))
    zero = located.y.pixel(0.0)
    if plotread.line_near(picture, zero, left, right, located.tolerance) is None:
        return (
            f"no horizontal line at residual 0 (pixel row {zero:.0f}, where your markers put "
            "it): the lecture draws one with ax.axhline(0)"
        )
    extra = extras(picture, located)
    if len(extra) > max(2, len(points) // 8):
        where = ", ".join(f"({b.x:.0f}, {b.y:.0f})" for b in extra[:SHOWN])
        return (
            f"{len(extra)} markers that are no row's, at pixels {where}...: the plot shows "
            "more than each row's residual"
        )
    return None


def _missing(picture: DecodedPlot, reading: Reading) -> str:
    """Why some rows have no marker: a usual mistake, rows cut off, or which rows."""
    residuals, located = reading.residuals, reading.located
    points, rows = reading.points, reading.rows
    count = located.count if located else 0
    lined_up = f"{count} of the {len(points)} distinct (fitted, residual) points line up"
    mistake = diagnose(picture, residuals)
    if mistake:
        return f"{mistake}: the markers are exactly where that puts them (only {lined_up})"
    if located is None or count < len(points) / 2:
        return (
            "the markers are not where the rows' (fitted, residual) points are on any "
            f"increasing axes: at most {lined_up}"
        )
    missing = located.missing
    lost = sorted(row for i in missing for row in rows[i])
    kept = sorted(row for i in range(len(points)) if i not in missing for row in rows[i])
    named = "; ".join(
        f"{_rows(rows[i])} (fitted {points[i][0]:.4g}, residual {points[i][1]:.4g}) "
        f"at pixel ({located.where(i)[0]:.0f}, {located.where(i)[1]:.0f})"
        for i in missing[:SHOWN]
    )
    text = f"no marker for {named}{'...' if len(missing) > SHOWN else ''}"
    n = len(residuals.data.y)
    if lost and kept and min(lost) > max(kept):
        first = min(lost)
        return f"rows {first} to {n - 1} are not drawn, only the first {first} rows are: {text}"
    if lost and kept and max(lost) < min(kept):
        last = max(lost)
        return f"rows 0 to {last} are not drawn, only the last {n - last - 1} rows are: {text}"
    return text


def _rows(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:3])
    return f"rows {shown}" + (f"... ({len(rows)} rows)" if len(rows) > 3 else "")


def alternatives(residuals: Residuals) -> list[tuple[str, list[tuple[float, float]]]]:
    """The usual wrong plots of these rows: (what it shows, its points)."""
    fitted, resid = residuals.fitted, residuals.residuals
    y = residuals.data.y
    rows = [float(i) for i in range(len(y))]
    columns = np.asarray(residuals.data.X, dtype=float).T.tolist()
    options = [
        ("the residuals' sign is flipped (fitted - y, not y - fitted)",
         fitted, [-r for r in resid]),
        ("it shows observed y against the fitted values, not the residuals", fitted, y),
        ("the axes are swapped: residuals across, fitted values up", resid, fitted),
        ("it shows the residuals against the row number, not the fitted values", rows, resid),
        ("it shows the residuals against observed y, not the fitted values", y, resid),
    ] + [
        (f"it shows the residuals against column {j} of X, not the fitted values", x, resid)
        for j, x in enumerate(columns)
    ]  # fmt: skip
    return [(label, list(zip(u, v, strict=True))) for label, u, v in options]


def diagnose(picture: DecodedPlot, residuals: Residuals) -> str | None:
    """Which usual mistake the picture shows exactly, if one."""
    for label, wrong in alternatives(residuals):
        points, _ = distinct(wrong)
        if plotmatch.locate(picture, points, every=True) is not None:
            return label
    return None


def extras(picture: DecodedPlot, located: plotmatch.Located) -> list[Blob]:
    """Blobs among the markers (inside their box) shaped like them (size, area and fill
    within a fifth or so of the usual marker's) that are no point's: a second series drawn
    on the same axes. Letters and legend entries rarely have a marker's shape."""
    markers = located.markers()
    used = {id(b) for b in markers}
    width = float(np.median([b.width for b in markers]))
    height = float(np.median([b.height for b in markers]))
    area = float(np.median([b.area for b in markers]))
    fill = float(np.median([b.fill for b in markers]))
    xs, ys = [b.x for b in markers], [b.y for b in markers]
    left, right = min(xs) - width, max(xs) + width
    top, bottom = min(ys) - height, max(ys) + height
    found = []
    for blob in picture.blobs:
        if id(blob) in used or not (left <= blob.x <= right and top <= blob.y <= bottom):
            continue
        alike = (
            abs(blob.width - width) <= max(1.5, 0.2 * width)
            and abs(blob.height - height) <= max(1.5, 0.2 * height)
            and abs(blob.area - area) <= 0.3 * area
            and abs(blob.fill - fill) <= 0.15
        )
        if alike:
            found.append(blob)
    return found
