"""`conformance student-pages`: the pages handed back to students hold no hidden group, no
after-due-date group (unless asked) and no grading seed.

A class of two is graded for real with a rubric that hides one group and shows another only
after the due date: a server with a mistake in /add, and one that never starts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO

from conformance import registry
from conformance.grader.job import SHOWN_BASE_URL

BROKEN_ADD = REPO / "tests" / "corpus" / "ex1" / "add_result_string.py"
CONFORMANCE = Path(sys.executable).parent / "conformance"
SEED = "918273645"
HIDDEN = "(hello world)"  # the group titles, as the pages show them
AFTER_DUE_DATE = "(path parameters)"


def conformance(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONFORMANCE), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("student-pages")
    table = registry.get("ex1").rubric_table.read_text(encoding="utf-8")
    for group, visibility in (("hello", "hidden"), ("user", "after_due_date")):
        table, found = re.subn(
            rf'(id = "{group}"\n)', rf'\1visibility = "{visibility}"\n', table, count=1
        )
        assert found == 1
    (root / "rubric.toml").write_text(table, encoding="utf-8")
    (root / "subs" / "bob" / "ex1").mkdir(parents=True)
    (root / "subs" / "bob" / "ex1" / "app.py").write_bytes(BROKEN_ADD.read_bytes())
    (root / "subs" / "cat" / "ex1").mkdir(parents=True)
    (root / "subs" / "cat" / "ex1" / "app.py").write_text("import nowhere_at_all\n")
    done = conformance(
        *("grade", "ex1", "subs/bob/ex1", "subs/cat/ex1", "--jobs", "2", "--seed", SEED),
        *("--rubric", "rubric.toml", "--reports", "reports"),
        cwd=root,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # cat's server does not start
    teacher = (root / "reports" / "bob-ex1.report.html").read_text(encoding="utf-8")
    assert HIDDEN in teacher and AFTER_DUE_DATE in teacher and "Uvicorn running" in teacher
    return root / "reports"


def everything(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()))


def test_hidden_groups_and_the_seed_are_left_out(reports: Path, tmp_path: Path) -> None:
    done = conformance("student-pages", reports, "--out", "pages", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    pages = tmp_path / "pages"
    names = ["bob-ex1.json", "bob-ex1.report.html", "cat-ex1.json", "cat-ex1.report.html"]
    assert sorted(p.name for p in pages.iterdir()) == names  # no class page
    text = everything(pages)
    assert SEED not in text and "seed" not in text.lower()
    assert HIDDEN not in text and AFTER_DUE_DATE not in text
    assert "Uvicorn running" not in text, "the log would show the left-out groups' requests"

    teacher = json.loads((reports / "bob-ex1.json").read_text(encoding="utf-8"))
    bob = json.loads((pages / "bob-ex1.json").read_text(encoding="utf-8"))
    shown = [t for t in teacher["tests"] if t["visibility"] == "visible"]
    assert [t["name"] for t in bob["tests"]] == [t["name"] for t in shown]
    assert bob["score"] == round(sum(t["score"] for t in shown), 2) < teacher["score"]
    assert bob["max_score"] == sum(t["max_score"] for t in shown) < 100
    assert "2 more group(s) of checks are graded, and not shown here." in bob["output"]
    add = next(t for t in bob["tests"] if t["tags"][2] == "add")
    # the student's own failures are all there, with a request to send again at their URL
    assert f"reproduce: curl -i '{SHOWN_BASE_URL}/add?" in add["output"]

    cat = json.loads((pages / "cat-ex1.json").read_text(encoding="utf-8"))
    assert cat["output"].startswith("the server did not start")
    assert "nowhere_at_all" in cat["output"]
    assert "the server did not start" in (pages / "cat-ex1.report.html").read_text()


def test_after_the_due_date_those_groups_are_shown(reports: Path, tmp_path: Path) -> None:
    done = conformance(
        *("student-pages", reports, "--out", "pages", "--after-due-date"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = everything(tmp_path / "pages")
    assert AFTER_DUE_DATE in text and HIDDEN not in text and SEED not in text


def test_a_folder_without_reports_is_one_message(reports: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = conformance("student-pages", "empty", "--out", "pages", cwd=tmp_path)
    assert done.returncode == 2 and "no report" in done.stderr
    done = conformance("student-pages", reports, "--out", reports, cwd=tmp_path)
    assert done.returncode == 2 and "must not be the reports folder" in done.stderr
