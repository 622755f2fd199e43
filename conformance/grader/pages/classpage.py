"""The class page (``index.html``) and a page per student, written into the reports folder.

Pages are self-contained: inline CSS, inline SVG charts, PNGs as ``data:`` URIs, one small
inline script (table sorting) allowed by its hash in the page's Content-Security-Policy and
nothing else. They open offline, from a zip or a CI artifact. Everything a student wrote (app
path, failure text, server log, plot) is bounded (:mod:`classdata`, :mod:`feedback`) and goes
through jinja2's autoescaping; an image is embedded only when its headers show a bounded size
(:mod:`imagecheck`), else a marked placeholder says why.

``write`` needs only the results and the reports folder, so a class page can be written
again from graded reports (after merging shards, say) without grading anything.
``write_student_safe`` writes the pages a teacher may hand back: hidden groups and the
grading seed left out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from conformance.grader.pages import charts, classdata, imagecheck, plotcapture, untrusted
from conformance.grader.pages.untrusted import ORIGIN
from conformance.grading.scoring import fmt

if TYPE_CHECKING:
    from conformance.grader.job import Result

INDEX = "index.html"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.grader.pages", "templates"),
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


@dataclass(frozen=True)
class Embedded:
    """An image ready for a page: its ``data:`` URI, or None and why it is not shown."""

    src: str | None
    problem: str = ""


def embed(data: object) -> Embedded:
    """Image bytes (or their base64) as a ``data:`` URI, when they are a PNG, JPEG or GIF whose
    headers show a bounded size; else no URI, and why."""
    if data is None:
        return Embedded(None, "no image")
    if isinstance(data, str) and len(data) > 2 * plotcapture.MAX_IMAGE_BYTES:
        return Embedded(None, "the image is too large to show (bytes)")
    try:
        raw = base64.b64decode(data, validate=True) if isinstance(data, str) else data
    except (ValueError, binascii.Error):
        return Embedded(None, "the image could not be read (not base64)")
    if not isinstance(raw, bytes):
        return Embedded(None, "no image")
    try:
        info = imagecheck.inspect(raw)
    except imagecheck.ImageProblem as error:
        return Embedded(None, str(error))
    return Embedded(f"data:{info.media_type};base64," + base64.b64encode(raw).decode("ascii"))


def image_uri(data: bytes | str | None) -> str | None:
    """A ``data:`` URI for image bytes (or their base64); None for anything else."""
    return embed(data).src


@dataclass(frozen=True)
class Tile:
    """A student's picture in the class page's gallery, marked when it failed or is missing."""

    student: classdata.StudentSummary
    src: str | None
    label: str
    """A few words on what went wrong ("JPEG, not PNG", "did not start"), or ""."""
    problem: str


def tile(student: classdata.StudentSummary) -> Tile:
    """The student's picture, or why there is none; its label says so in a few words."""
    plot = student.plot
    if plot is None:
        label = "no picture: " + ("none captured" if student.graded else student.label)
        return Tile(student, None, label, label)
    said = untrusted.line(plot.get("problem") or "")
    label = untrusted.line(plot.get("label") or _label_of(said), 60)
    if "image_base64" not in plot:
        return Tile(student, None, label or "no picture", said or "the /plot sent no image")
    image = embed(plot["image_base64"])
    if image.src is None:
        problem = f"the image is not shown: {image.problem}"
        return Tile(student, None, "image not shown", f"{said}; {problem}" if said else problem)
    return Tile(student, image.src, label, said)


LABELS = (
    (re.compile(r"sent image/(\w+), not a PNG"), "{0}, not PNG"),
    (re.compile(r"answered (\d+)"), "answered {0}"),
    (re.compile(r"did not answer"), "no answer"),
    (re.compile(r"sent no image"), "not an image"),
)
"""Labels for the problems of a report written before captures had labels."""


def _label_of(problem: str) -> str:
    for pattern, label in LABELS:
        if found := pattern.search(problem):
            return label.format(*(g.upper() for g in found.groups()))
    return "problem" if problem else ""


def plot_view(student: classdata.StudentSummary, exercise: str) -> dict[str, Any] | None:
    """The student's /plot and the reference plot for the same data, ready for a page."""
    if student.plot is None:
        return None
    shown = tile(student)
    return {
        "student": shown.src,
        "problem": shown.problem,
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


def render_student(
    student: classdata.StudentSummary,
    exercise: str,
    *,
    student_safe: bool = False,
    hide: Sequence[str] = classdata.HIDDEN,
) -> str:
    """A student's page. ``student_safe``: the page they may be handed, without the groups
    whose visibility is in ``hide``, the grading seed, grader paths or a link to the class."""
    if student_safe:
        student = classdata.student_safe(student, hide)
    template = environment().get_template("student.html")
    page: str = template.render(
        s=student,
        exercise=exercise,
        plot=plot_view(student, exercise),
        dataset_title=_title(exercise),
        student_safe=student_safe,
        **_static(),
    )
    return page


def render_class(data: classdata.ClassData) -> str:
    stats = [
        (column.short, column.title, mean, column.points, rate)
        for column, mean, rate in data.group_stats()
    ]
    pictured = plotcapture.picture_of(data.exercise) is not None
    tiles = [tile(s) for s in data.students] if pictured else []
    template = environment().get_template("class.html")
    page: str = template.render(
        data=data,
        graded=sum(1 for s in data.students if s.graded),
        hist=charts.histogram(data.totals, data.max_score),
        bars=charts.groups(stats),
        common=data.common_failures(),
        tiles=tiles,
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


def write(folder: Path, exercise: str, results: Sequence[Result], *, origin: str = ORIGIN) -> Path:
    """Write ``folder/index.html`` and ``folder/<student>.report.html``; return the class
    page. ``origin``: the address of a student's server that failures show (their curl
    lines), in place of the grader's temporary one."""
    folder.mkdir(parents=True, exist_ok=True)
    data = classdata.build(folder, exercise, results, origin)
    for student in data.students:
        (folder / student.page).write_text(render_student(student, exercise), encoding="utf-8")
    index = folder / INDEX
    index.write_text(render_class(data), encoding="utf-8")
    return index


def write_student_safe(
    reports: Path,
    out: Path,
    exercise: str,
    results: Sequence[Result],
    *,
    origin: str = ORIGIN,
    hide: Sequence[str] = classdata.HIDDEN,
) -> list[Path]:
    """Write into ``out`` each student's page as they may be handed it (``student_safe``),
    from their results and the server logs in ``reports``; no class page. The pages."""
    out.mkdir(parents=True, exist_ok=True)
    data = classdata.build(reports, exercise, results, origin)
    written = []
    for student in data.students:
        page = render_student(student, exercise, student_safe=True, hide=hide)
        (out / student.page).write_text(page, encoding="utf-8")
        written.append(out / student.page)
    return written
