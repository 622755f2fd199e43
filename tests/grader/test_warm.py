"""The warm pipeline prototype (conformance/grader/warm.py) scores exactly as the cold one.

Three ex1 corpus servers (the lecture's code, two broken ones) and a missing app are graded by
`conformance grade --jobs 2` and by `python -m conformance.grader.warm --jobs 2`: every
report must give the same score, group by group, and every suite run the same counts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from paths import REPO

CORPUS = REPO / "tests" / "corpus" / "ex1"
APPS = [
    str(CORPUS / "lecture_verbatim.py"),
    str(CORPUS / "add_result_string.py"),
    str(CORPUS / "items_prepend.py"),
    str(REPO / "nowhere" / "app.py"),
]


def grade(command: list[str], folder: Path) -> str:
    done = subprocess.run(
        # one seed for both: a broken server's score may depend on the inputs drawn
        [*command, "ex1", *APPS, "--jobs", "2", "--seed", "11", "--reports", str(folder)],
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # nowhere/app.py
    return done.stdout


def verdicts(report: Path) -> dict[str, Any]:
    data = json.loads(report.read_text(encoding="utf-8"))
    tests = [{k: t.get(k) for k in ("name", "score", "max_score", "status")} for t in data["tests"]]
    return {"score": data["score"], "max_score": data["max_score"], "tests": tests}


def counts(log: Path) -> str:
    """pytest's closing line without its time or warnings: ``3 failed, 100 passed, 92
    deselected``. (A library's warning is shown once per process: a warm worker may have
    shown it while warming up, a cold run shows it in a test.)"""
    last = log.read_text(encoding="utf-8").strip().splitlines()[-1]
    return re.sub(r"(, \d+ warnings?)? in [\d.]+s.*", "", last)


def test_warm_scores_as_cold(tmp_path: Path) -> None:
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    cold_table = grade([str(Path(sys.executable).parent / "conformance"), "grade"], cold)
    warm_table = grade([sys.executable, "-m", "conformance.grader.warm"], warm)
    cold_table = cold_table.replace(f"reports: {cold}/\n", "")
    assert warm_table == cold_table.replace(f"class page: {cold}/index.html\n", "")
    # the prototype writes no class page: compare every other file
    files = sorted(p.name for p in cold.iterdir() if p.suffix != ".html")
    assert sorted(p.name for p in warm.iterdir()) == files
    assert len([f for f in files if f.endswith(".pytest.log")]) == 3
    for name in files:
        if name.endswith(".json"):
            assert verdicts(warm / name) == verdicts(cold / name), name
        if name.endswith(".pytest.log"):
            assert counts(warm / name) == counts(cold / name), name
            assert "Warning" not in (warm / name).read_text(encoding="utf-8"), name
