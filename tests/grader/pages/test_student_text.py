"""Student text in every output format: the HTML pages, the Markdown job summary, a terminal.

One hostile class (tests/hostile_text.py: every field a student controls holds links, images,
HTML, code-span breakers, terminal escapes, bidi overrides and a line of a million characters)
goes through each writer; each test reads what the writer made the way its reader does (an
HTML parser, a Markdown renderer, a terminal's eye for control characters) and checks that
nothing of the student's is live and everything is bounded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile_text import (
    HOSTILE,
    INVISIBLE,
    RAW_CONTROLS,
    SECRET,
    SEED,
    elements,
    failure,
    long,
    results,
)

from conformance.grader.job import Result
from conformance.grader.pages import classdata, classpage, feedback, jobsummary, untrusted

Class = tuple[Path, list[Result]]

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "script", "p", "a", "h1", "h2", "h3",
    "span", "code", "pre", "b", "br", "div", "figure", "figcaption", "img", "table", "thead",
    "tbody", "tr", "th", "td", "button", "svg", "g", "rect", "line", "text", "dl", "dt", "dd",
    "details", "summary",
}  # fmt: skip


def raw_controls(text: str) -> list[str]:
    return sorted({c for c in text if c in RAW_CONTROLS or c in INVISIBLE} - {"\n", "\t"})


def check_page(html: str) -> None:
    """Nothing a student wrote is live in the page, and every piece of it is bounded."""
    assert raw_controls(html) == []
    page = elements(html)
    tags = {tag for tag, _ in page.elements}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert [tag for tag, _ in page.elements].count("script") == 1  # the sort script
    for tag, attrs in page.elements:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "img":
            assert (attrs.get("src") or "").startswith("data:image/"), attrs
        if tag == "a":
            assert re.fullmatch(r"[\w.%-]+\.html", attrs.get("href") or ""), attrs
    for text, inside in page.texts:
        limit = feedback.WHOLE_BODY + 100 if "details" in inside else untrusted.BLOCK * 4 + 100
        assert len(text) <= limit, (len(text), inside)
    assert len(html) < 3_000_000


@pytest.fixture
def hostile_class(tmp_path: Path) -> Class:
    reports = tmp_path / "reports"
    return reports, results(reports)


def test_html_pages_show_student_text_as_text(hostile_class: Class) -> None:
    reports, graded = hostile_class
    index = classpage.write(reports, "ex2", graded)
    pages = [index, *reports.glob("*.report.html")]
    assert len(pages) == 4
    assert max(len(page.name) for page in pages) <= classdata.PAGE_NAME + len(".report.html")
    for page in pages:
        html = page.read_text(encoding="utf-8")
        check_page(html)
    mallory = (reports / "mallory.report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in mallory  # shown, escaped
    assert "\\x1b[31mred" in mallory and "\\u202egnp.exe" in mallory  # escapes made visible
    assert "the last line" in mallory  # the end of the log, however long it was
    assert "more checks that differ the same way" not in mallory


def test_student_page_shows_the_student_s_address_not_the_grader_s(
    hostile_class: Class,
) -> None:
    reports, graded = hostile_class
    sent = graded[0].results["tests"][0]["extra_data"]["failures"][0]["request"]
    sent["body"] = '{"X": [' + "[1.5, 2.5]," * 1200 + "]}"  # 13 000 characters, as ex2's data
    classpage.write(reports, "ex2", graded, origin="http://localhost:5000")
    html = (reports / "mallory.report.html").read_text(encoding="utf-8")
    assert "46285" not in html  # the forwarder's port
    assert "/tmp/conformance-run" not in html  # the replay script, a body's file
    assert "state.teardown()" not in html and "note: " not in html  # hypothesis's notes
    assert "curl -i -X POST &#39;http://localhost:5000/add?x=" in html
    assert "POST http://localhost:5000/add?x=" in html
    visible = elements(html)
    [curl] = [t for t, inside in visible.texts if t.startswith("curl ") and "details" in inside][:1]
    assert "--data-binary" in curl and len(curl) > feedback.SHOWN_BODY
    shown = [
        t for t, inside in visible.texts if t.startswith("POST http") and "details" not in inside
    ]
    assert shown and all(len(t) < 2 * untrusted.LINE + 100 for t in shown)


def test_job_summary_shows_student_text_as_literal_code(
    hostile_class: Class,
) -> None:
    from markdown_it import MarkdownIt

    _, graded = hostile_class
    summary = jobsummary.markdown("ex2", graded)
    assert raw_controls(summary) == []
    assert max(len(line) for line in summary.splitlines()) < 4 * jobsummary.CELL + 200
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(summary)
    page = elements(html)
    tags = {tag for tag, _ in page.elements}
    assert tags <= {"h3", "h4", "p", "table", "thead", "tbody", "tr", "th", "td", "code"}, tags
    for text, inside in page.texts:
        if re.search(r"evil|pwned|octocat|click me|\\x1b", text):
            assert "code" in inside, (text, inside)
    tables = html.split("<table>")[1:]
    assert len(tables) == 2
    for table in tables:  # no pipe broke out of a cell: every row as wide as the header
        rows = table.split("</table>")[0].split("<tr>")[1:]
        assert len({len(re.findall(r"<t[dh][ >]", row)) for row in rows}) == 1, table
    assert "<code>" in html and html.count("<code>") >= len(graded)


def test_markdown_code_span_holds_any_text() -> None:
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    for text in ["`", "``", "a ` b `` c ``` d", "` x `", " lead", "| pipe |", HOSTILE, "\\|"]:
        span = untrusted.markdown_code(text)
        html = renderer.render(f"| a |\n|---|\n| {span} |\n")
        page = elements(html)
        assert [tag for tag, _ in page.elements] == [
            "table",
            "thead",
            "tr",
            "th",
            "tbody",
            "tr",
            "td",
            "code",
        ]
        [(shown, _)] = [(t, i) for t, i in page.texts if "code" in i]
        assert shown == untrusted.line(text), (text, span, shown)


def test_terminal_text_has_no_escape_and_is_bounded() -> None:
    for text in (HOSTILE, long(), "\x1b]0;title\x07\x1bc\x9b?1049h"):
        shown = untrusted.terminal(text)
        assert raw_controls(shown) == []
        assert len(shown) <= 4 * untrusted.BLOCK + 40
    assert untrusted.terminal("a\x1b[31mb\r\nc\u202e") == "a\\x1b[31mb\nc\\u202e"


def test_every_failure_field_is_bounded_and_visible() -> None:
    [read], _ = feedback.failures({"extra_data": {"failures": [failure()]}})
    for name, value in vars(read).items():
        texts = value if isinstance(value, list) else [value]
        for text in (t for t in texts if isinstance(t, str)):
            assert raw_controls(text) == [], name
            limit = feedback.WHOLE_BODY if name == "body" else untrusted.BLOCK
            assert len(text) <= 4 * limit + 40, (name, len(text))  # an escape: 4 characters
    assert read.curl == ""  # a million characters: no curl line, the body cut instead
    assert read.count == 1 and read.group == "add"
    assert len(read.after) == 13 and read.after[0] == "... 18 earlier requests"


def test_json_of_the_class_data_is_bounded(hostile_class: Class) -> None:
    reports, graded = hostile_class
    data = classdata.build(reports, "ex2", graded)
    shown = json.dumps(
        [[vars(f) for g in s.groups for f in g.failures] for s in data.students]
        + [[s.name, s.app, s.status, s.message, s.log] for s in data.students],
        ensure_ascii=False,
    )
    assert raw_controls(shown.replace("\\n", "")) == []
    assert len(shown) < 3_000_000


def test_student_safe_page_leaks_nothing_hidden(hostile_class: Class) -> None:
    reports, graded = hostile_class
    [mallory] = [s for s in classdata.build(reports, "ex2", graded).students if s.name == "mallory"]
    teacher = classpage.render_student(mallory, "ex2")
    assert SECRET in teacher and "17.25" in teacher  # the teacher's page shows it all
    out = reports.parent / "hand-back"
    written = classpage.write_student_safe(reports, out, "ex2", graded)
    assert sorted(p.name for p in written) == sorted(p.name for p in out.iterdir())
    assert not (out / "index.html").exists()
    for page in written:
        html = page.read_text(encoding="utf-8")
        check_page(html)
        for leak in (SECRET, str(SEED), "17.25", "3.25", "13.25", "42.25", "Grading seed"):
            assert leak not in html, (page.name, leak)
        assert 'href="index.html"' not in html
    html = (out / "mallory.report.html").read_text(encoding="utf-8")
    assert "mallory: 10 / 25" in html


def test_student_safe_leaves_out_failures_charged_to_a_hidden_group(tmp_path: Path) -> None:
    report = results(tmp_path)[0].results
    report["tests"][0]["extra_data"]["failures"].append(failure("secret", SECRET))
    student = classdata.student(Result("m", "m.py", tmp_path, "graded", report), None)
    safe = classdata.student_safe(student)
    assert [g.title for g in safe.groups] == [
        g.title for g in student.groups if SECRET not in g.title
    ]
    assert all(SECRET not in f.check for g in safe.groups for f in g.failures)
    html = classpage.render_student(student, "ex1", student_safe=True)
    assert SECRET not in html
