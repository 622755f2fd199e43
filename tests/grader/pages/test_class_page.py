"""The class page and the student pages: built from real grading runs, checked in Chromium.

The slow part grades four corpus servers of each exercise (two correct, two broken) with
`conformance grade --jobs 2`, as a teacher would, then opens the pages in Debian's headless
Chromium over the DevTools protocol. The rest builds pages from made-up reports.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import chromium
import hostile_text
import httpx
import pytest
from paths import REPO

from conformance import expect
from conformance.grader.job import Result
from conformance.grader.pages import (
    classdata,
    classpage,
    feedback,
    imagecheck,
    jobsummary,
    plotcapture,
)

CORPUS = REPO / "tests" / "corpus"
CONFORMANCE = Path(sys.executable).parent / "conformance"
SCREENSHOTS = Path(os.environ.get("CLASS_PAGE_SCREENSHOTS", REPO / "build" / "screenshots"))

CLASSES = {
    "ex1": ["lecture_verbatim", "sync_annotated", "add_result_string", "hello_world_typo"],
    "ex2": ["lecture_verbatim", "numpy_lstsq", "plot_jpeg", "fit_no_intercept"],
}

HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


# --- made-up reports: parsing, statistics, escaping ------------------------------------------


def mismatch() -> dict[str, object]:
    """A real failure of the suite's check, as the report carries it (its fields)."""
    request = httpx.Request("GET", "http://127.0.0.1:8000/add?x=1&y=1")
    response = httpx.Response(200, json={"result": "2"}, request=request)
    with pytest.raises(expect.LectureMismatch) as caught:
        expect.check(response, 200, {"result": 2})
    return {"test": "add-one-plus-one", **caught.value.failure.as_dict()}


def hostile_failure() -> dict[str, object]:
    return {"test": "add-one-plus-one", "expected": HOSTILE, "got": HOSTILE, "where": HOSTILE}


def report(
    name: str, score: float, failures: list[dict[str, object]], log_text: str = ""
) -> dict[str, object]:
    return {
        "score": score,
        "max_score": 25.0,
        "output": "ex1 documented tier: ...\n\n" + log_text,
        "tests": [
            {
                "name": "ex1 GET /add  (query parameters)",
                "score": score,
                "max_score": 25.0,
                "status": "passed" if score == 25 else "failed",
                "output": f"{2 - len(failures)} of 2 checks passed ({score}/25)",
                "tags": ["ex1", "documented", "add"],
                "extra_data": {"earned": score, "points": 25.0, "failures": failures},
            }
        ],
    }


def made_up_class(folder: Path, failure: dict[str, object]) -> list[Result]:
    results = [
        Result("alice", "a/app.py", folder / "alice.json", "graded", report("a", 25, [])),
        Result("bob", "b/app.py", folder / "bob.json", "graded", report("b", 12.5, [failure])),
        Result("carol", "c/app.py", folder / "carol.json", "graded", report("c", 12.5, [failure])),
        Result(
            "dave",
            "d/app.py",
            folder / "dave.json",
            "the server did not start",
            {"score": 0.0, "max_score": 25.0, "output": "the server did not start: boom"},
        ),
    ]
    return results


def test_failures_are_read_as_data() -> None:
    test = report("a", 0, [mismatch()])["tests"][0]  # type: ignore[index]
    [failure], note = feedback.failures(test)
    assert failure.check == "add-one-plus-one"
    assert failure.request == "GET http://127.0.0.1:8000/add?x=1&y=1"
    assert failure.expected == '200 {"result": 2}'
    assert failure.got == '200 {"result":"2"}'
    assert failure.where == '$.result: expected integer 2, got string "2"'
    assert failure.curl == "curl -i 'http://127.0.0.1:8000/add?x=1&y=1'"
    assert note == ""


def test_class_figures_and_common_failures(tmp_path: Path) -> None:
    data = classdata.build(tmp_path, "ex1", made_up_class(tmp_path, mismatch()))
    assert [s.label for s in data.students] == ["graded", "graded", "graded", "did not start"]
    assert (data.mean, data.median, data.max_score) == (12.5, 12.5, 25.0)
    [(column, mean, rate)] = data.group_stats()
    assert (column.short, mean, rate) == ("add", 12.5, 0.25)
    first, second = data.common_failures()
    assert (first.example, first.students, first.checks) == (
        "add-one-plus-one",
        ["bob", "carol"],
        2,
    )
    assert first.kind == "$.result: string instead of integer"
    assert (second.group, second.kind, second.students) == (
        "(not graded)",
        "did not start",
        ["dave"],
    )


def test_pages_escape_everything_a_student_controls(tmp_path: Path) -> None:
    (tmp_path / "bob.server.log").write_text(f"log {HOSTILE}\n")
    results = made_up_class(tmp_path, hostile_failure())
    results[1].app = HOSTILE
    results[1].results["extra_data"] = {"plot": {"image_base64": HOSTILE, "problem": HOSTILE}}
    results.append(Result(HOSTILE, HOSTILE, tmp_path / "x.json", HOSTILE, {"output": HOSTILE}))
    index = classpage.write(tmp_path, "ex1", results)
    pages = [index, *tmp_path.glob("*.report.html")]
    assert len(pages) == 6
    for page in pages:
        html = page.read_text()
        assert "<script>window" not in html and "<img src=x" not in html, page.name
    assert "&lt;script&gt;window.pwned" in (tmp_path / "bob.report.html").read_text()
    summary = jobsummary.markdown("ex1", results)
    for line in summary.splitlines():  # student text only inside code spans: shown, not run
        assert re.sub(r"(`+).*?\1", "", line).count("<") == 0, line
    assert "`<script>window.pwned" in summary


def test_statuses_and_a_malformed_report_still_make_a_page(tmp_path: Path) -> None:
    labels = {
        "the server did not start": "did not start",
        "grading stopped": "timed out",
        "no app to grade": "no app",
        "the suite wrote no report (pytest stopped early).": "no report",
        "the grader failed on this app": "grader error",
    }
    for status, label in labels.items():
        assert classdata.status_label(status) == label
    odd = {"score": "lots", "tests": ["not a test", {"tags": "x", "max_score": None}]}
    results = [Result("odd", "odd.py", tmp_path / "odd.json", "graded", odd)]
    index = classpage.write(tmp_path, "ex1", results)
    assert "odd.report.html" in index.read_text()
    assert classdata.build(tmp_path, "ex1", results).students[0].score == 0.0


def test_a_plot_that_is_not_an_image_is_not_embedded() -> None:
    png = plotcapture.reference_png("ex2")
    assert png is not None and classpage.image_uri(png) is not None
    assert classpage.image_uri(base64.b64encode(b"<svg onload=alert(1)>").decode()) is None
    assert classpage.image_uri("not base64 at all!") is None


def test_job_summary_is_appended_only_under_github_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = made_up_class(tmp_path, mismatch())
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    jobsummary.append("ex1", results)
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    target.write_text("earlier step\n")
    jobsummary.append("ex1", results)
    text = target.read_text()
    assert text.startswith("earlier step\n### ex1: conformance grades")
    assert "| `bob` | 12.5 | 12.5 | graded |" in text
    assert (
        "| 2 | ex1 GET /add (query parameters) | `$.result: string instead of integer` |  | 2 |"
        in text
    )


# --- real grading runs, real browser -----------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each exercise's reports folder after `conformance grade EX ... --jobs 2`."""
    root = tmp_path_factory.mktemp("class-pages")
    folders = {}
    for exercise, stems in CLASSES.items():
        apps = [str(CORPUS / exercise / f"{stem}.py") for stem in stems]
        folder = root / exercise
        summary = root / f"{exercise}-summary.md"
        done = subprocess.run(
            [str(CONFORMANCE), "grade", exercise, *apps, "--jobs", "2", "--reports", str(folder)],
            cwd=root,
            env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"class page: {folder / 'index.html'}" in done.stdout
        folders[exercise] = folder
    return folders


def test_grade_writes_pages_a_summary_and_the_plot(graded: dict[str, Path]) -> None:
    for exercise, stems in CLASSES.items():
        folder = graded[exercise]
        assert sorted(p.name for p in folder.glob("*.report.html")) == sorted(
            f"{stem}.report.html" for stem in stems
        )
        summary = (folder.parent / f"{exercise}-summary.md").read_text()
        assert all(f"| `{stem}` |" in summary for stem in stems)
        assert "Most common failures" in summary
    verbatim = json.loads((graded["ex2"] / "lecture_verbatim.json").read_text())
    plot = verbatim["extra_data"]["plot"]
    assert "problem" not in plot
    assert base64.b64decode(plot["image_base64"]).startswith(b"\x89PNG")
    jpeg = json.loads((graded["ex2"] / "plot_jpeg.json").read_text())["extra_data"]["plot"]
    assert jpeg["problem"].startswith("GET /plot sent image/jpeg, not a PNG")
    assert "plot" not in json.loads((graded["ex1"] / "add_result_string.json").read_text()).get(
        "extra_data", {}
    )


@pytest.fixture(scope="module")
def page() -> Iterator[chromium.Page]:
    binary = chromium.executable()
    if binary is None:
        pytest.skip(
            "Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)"
        )
    with chromium.browser(binary) as tab:
        yield tab


ROWS = "Array.from(document.querySelectorAll('#students-table tbody tr'))"
IMAGES = "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])"


def column(index: int) -> str:
    return f"{ROWS}.map(r => r.cells[{index}].textContent.trim())"


@pytest.mark.parametrize("exercise", list(CLASSES))
def test_class_page_in_chromium(
    graded: dict[str, Path], page: chromium.Page, exercise: str
) -> None:
    page.open((graded[exercise] / "index.html").as_uri())
    assert sorted(page.evaluate(column(0))) == sorted(CLASSES[exercise])
    assert page.evaluate("document.querySelector('#students').textContent") == "students4"
    page.click("#students-table thead th:nth-child(2) button")  # total, ascending
    totals = [float(t) for t in page.evaluate(column(1))]
    assert totals == sorted(totals) and totals[-1] == 100
    page.click("#students-table thead th:nth-child(2) button")  # again: descending
    assert [float(t) for t in page.evaluate(column(1))] == sorted(totals, reverse=True)
    page.click("#students-table thead th:nth-child(1) button")  # by name
    assert page.evaluate(column(0)) == sorted(CLASSES[exercise])
    images = page.evaluate(IMAGES)
    assert all(loaded for _, loaded in images), images
    assert len(images) == (4 if exercise == "ex2" else 0)
    badges = page.evaluate(
        "Array.from(document.querySelectorAll('.gallery figure')).map("
        "f => [f.querySelector('figcaption').textContent, f.querySelector('.badge')?.textContent])"
    )
    marked = {"plot_jpeg": "JPEG, not PNG"}
    tiles = {s: marked.get(s) for s in CLASSES[exercise]} if exercise == "ex2" else {}
    assert dict(badges) == tiles, badges
    assert page.evaluate("document.querySelectorAll('#failures tbody tr').length") >= 2
    assert page.errors() == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(SCREENSHOTS / f"class-page-{exercise}.png")


def test_student_page_in_chromium(graded: dict[str, Path], page: chromium.Page) -> None:
    page.open((graded["ex2"] / "index.html").as_uri())
    page.click("#students-table a[href='plot_jpeg.report.html']")
    page.wait_for("Page.loadEventFired")
    assert page.evaluate("location.pathname").endswith("/plot_jpeg.report.html")
    images = page.evaluate(IMAGES)
    assert [alt for alt, _ in images] == ["plot_jpeg's plot", "the reference app's plot"]
    assert all(loaded for _, loaded in images), images
    where = page.evaluate(
        "Array.from(document.querySelectorAll('dd.where')).map(d => d.textContent)"
    )
    assert "$.headers.content-type: expected 'image/png', got 'image/jpeg'" in where
    log = page.evaluate("document.querySelector('#log').textContent")
    assert "Application startup complete" in log and "Uvicorn running on" in log
    assert page.errors() == []
    page.screenshot(SCREENSHOTS / "student-page-ex2.png")


PDF_PAGES = re.compile(rb"/Type\s*/Page[^s]")


def test_student_page_prints_without_the_request_bodies(
    graded: dict[str, Path], page: chromium.Page
) -> None:
    """A broken fit: the lecture's 100x5 data in each failing request. The whole bodies are
    there on demand (closed <details>), never printed; every address is the student's own."""
    page.open((graded["ex2"] / "fit_no_intercept.report.html").as_uri())
    closed = page.evaluate(
        "Array.from(document.querySelectorAll('details.whole')).map(d => [d.open, "
        "d.querySelector('pre').textContent.length])"
    )
    assert closed and not any(opened for opened, _ in closed), closed
    assert max(size for _, size in closed) > 10_000  # the lecture's data, on demand
    addresses = page.evaluate(
        "Array.from(document.querySelectorAll('code, pre')).map(c => c.textContent)"
        ".join(' ').match(/https?:\\/\\/[^/ '\"]+/g)"
    )
    assert addresses and set(addresses) == {"http://127.0.0.1:8000"}, set(addresses)
    # The teacher's own path to the submission is shown (a checkout may live under /tmp);
    # nothing else of the machine's folders is.
    app = str(CORPUS / "ex2" / "fit_no_intercept.py")
    text = page.evaluate("document.body.innerText").replace(app, "<the app>")
    assert "/tmp/" not in text and "state.teardown()" not in text and "note: " not in text
    pdf = base64.b64decode(page.send("Page.printToPDF", timeout=120)["data"])
    printed = len(PDF_PAGES.findall(pdf))
    assert 1 <= printed <= 10, printed


def test_hostile_student_runs_no_script_in_chromium(tmp_path: Path, page: chromium.Page) -> None:
    (tmp_path / "bob.server.log").write_text(f"log {HOSTILE}\n")
    results = made_up_class(tmp_path, hostile_failure())
    results[1].app = HOSTILE
    index = classpage.write(tmp_path, "ex1", results)
    for target in (index, tmp_path / "bob.report.html"):
        page.open(target.as_uri())
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('script').length") == 1
        assert page.errors() == []
    assert HOSTILE in page.evaluate("document.querySelector('#log').textContent")


def test_hostile_class_in_chromium(tmp_path: Path, page: chromium.Page) -> None:
    """Every student field hostile (tests/hostile_text.py), the 40000x40000 PNG among them:
    the class page, the teacher's and the student-safe pages run nothing, load nothing,
    decode no image larger than the bound."""
    reports = tmp_path / "reports"
    graded = hostile_text.results(reports)
    index = classpage.write(reports, "ex2", graded)
    safe = classpage.write_student_safe(reports, tmp_path / "safe", "ex2", graded)
    pixels = (
        "Math.max(0, ...Array.from(document.images).map(i => i.naturalWidth * i.naturalHeight))"
    )
    for target in [index, *reports.glob("*.report.html"), *safe]:
        page.open(target.as_uri())
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert page.evaluate("document.querySelectorAll('script').length") == 1
        assert page.evaluate("Array.from(document.images).every(i => i.src.startsWith('data:'))")
        assert page.evaluate(pixels) <= imagecheck.MAX_PIXELS
        assert page.errors() == [], target.name
    page.open(index.as_uri())
    assert "image not shown" in page.evaluate("document.querySelector('.gallery').innerText")
