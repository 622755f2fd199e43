"""The class page (``index.html``) and a page per student, written into the reports folder.

Pages are self-contained: inline CSS, inline SVG charts, PNGs as ``data:`` URIs, one small
inline script (table sorting) allowed by its hash in the page's Content-Security-Policy and
nothing else. They open offline, from a zip or a CI artifact. Everything a student wrote (app
path, failure text, server log, plot) goes through jinja2's autoescaping.

``write`` needs only the results and the reports folder, so a class page can be written
again from graded reports (after merging shards, say) without grading anything.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from conformance.grading import charts, classdata, plotcapture
from conformance.grading.scoring import fmt

if TYPE_CHECKING:
    from conformance.grading.run import Result

INDEX = "index.html"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.grading", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _static() -> dict[str, Any]:
    """The inline CSS and script, and the script's hash for the Content-Security-Policy."""
    loader = environment().loader
    assert loader is not None
    css = loader.get_source(environment(), "style.css")[0]
    script = loader.get_source(environment(), "sort.js")[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return {"css": css, "script": script, "script_hash": f"sha256-{digest}", "fmt": fmt}


def image_uri(data: bytes | str | None) -> str | None:
    """A ``data:`` URI for image bytes (or their base64); None for anything else."""
    if data is None:
        return None
    try:
        raw = base64.b64decode(data, validate=True) if isinstance(data, str) else data
    except ValueError:
        return None
    kind = plotcapture.media_type(raw)
    if kind is None:
        return None
    return f"data:{kind};base64," + base64.b64encode(raw).decode("ascii")


def plot_view(student: classdata.Student, exercise: str) -> dict[str, Any] | None:
    """The student's /plot and the reference plot for the same data, ready for a page."""
    plot = student.plot
    if plot is None:
        return None
    src = image_uri(plot.get("image_base64"))
    problem = str(plot.get("problem") or ("" if src else "the /plot response was not an image"))
    return {
        "student": src,
        "problem": problem,
        "reference": image_uri(_reference(exercise)),
    }


def _reference(exercise: str) -> bytes | None:
    """The reference picture, or None if it cannot be drawn here (the page says so)."""
    try:
        return plotcapture.reference_png(exercise)
    except Exception:  # a missing plotting library must not cost the teacher every page
        return None


def _title(exercise: str) -> str:
    picture = plotcapture.picture_of(exercise)
    return picture.title if picture else ""


def render_student(student: classdata.Student, exercise: str) -> str:
    template = environment().get_template("student.html")
    page: str = template.render(
        s=student,
        exercise=exercise,
        plot=plot_view(student, exercise),
        dataset_title=_title(exercise),
        **_static(),
    )
    return page


def render_class(data: classdata.ClassData) -> str:
    stats = [
        (column.short, column.title, mean, column.points, rate)
        for column, mean, rate in data.group_stats()
    ]
    plots = [
        (s, image_uri(s.plot.get("image_base64")) if s.plot else None)
        for s in data.students
        if s.plot is not None
    ]
    template = environment().get_template("class.html")
    page: str = template.render(
        data=data,
        graded=sum(1 for s in data.students if s.graded),
        hist=charts.histogram(data.totals, data.max_score),
        bars=charts.groups(stats),
        common=data.common_failures(),
        page_of=classdata.page_of,
        plots=plots,
        dataset_title=_title(data.exercise),
        **_static(),
    )
    return page


def prepare(exercise: str) -> threading.Thread:
    """Start drawing what every page needs (the reference plot: seconds of imports) in the
    background, so that ``write`` at the end of grading need not wait for it."""

    def work() -> None:
        environment().get_template("class.html")
        environment().get_template("student.html")
        _reference(exercise)

    thread = threading.Thread(target=work, name="class-page-prepare")
    thread.start()
    return thread


def write(folder: Path, exercise: str, results: Sequence[Result]) -> Path:
    """Write ``folder/index.html`` and ``folder/<student>.html``; return the class page."""
    folder.mkdir(parents=True, exist_ok=True)
    data = classdata.build(folder, exercise, results)
    for student in data.students:
        (folder / student.page).write_text(render_student(student, exercise), encoding="utf-8")
    index = folder / INDEX
    index.write_text(render_class(data), encoding="utf-8")
    return index
