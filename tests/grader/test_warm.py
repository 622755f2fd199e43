"""`conformance grade` (warm slots, the default) scores exactly as `conformance grade --cold`.

Three ex1 corpus servers (the lecture's code, two broken ones) and a missing app are graded
with `--jobs 2` and the same seed, warm and cold: the same table, the same files, every report
the same score, group by group, and every suite run the same counts. A warm worker's job runs
as isolated and bounded as a cold suite: its own folder, environment and address space.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from paths import REPO

from conformance.grader.job import SUITE_CONFIG
from conformance.grader.sandbox import PASSED_ENV
from conformance.grader.warm import Worker

CORPUS = REPO / "tests" / "corpus" / "ex1"
APPS = [
    str(CORPUS / "lecture_verbatim.py"),
    str(CORPUS / "add_result_string.py"),
    str(CORPUS / "items_prepend.py"),
    str(REPO / "nowhere" / "app.py"),
]
CONFORMANCE = Path(sys.executable).parent / "conformance"


def grade(folder: Path, *extra: str) -> str:
    # one seed for both: a broken server's score may depend on the inputs drawn
    command = [str(CONFORMANCE), "grade", "ex1", *APPS, "--jobs", "2", "--seed", "11"]
    done = subprocess.run(
        [*command, "--reports", str(folder), *extra],
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # nowhere/app.py
    return done.stdout.replace(str(folder), "REPORTS")


def verdicts(report: Path) -> dict[str, Any]:
    data = json.loads(report.read_text(encoding="utf-8"))
    tests = [{k: t.get(k) for k in ("name", "score", "max_score", "status")} for t in data["tests"]]
    extra = data.get("extra_data", {})
    return {"score": data["score"], "max_score": data["max_score"], "tests": tests, **extra}


def counts(log: Path) -> str:
    """pytest's closing line without its time or warnings: ``3 failed, 100 passed, 92
    deselected``. (A library's warning is shown once per process: a warm worker may have
    shown it while warming up, a cold run shows it in a test.)"""
    last = log.read_text(encoding="utf-8").strip().splitlines()[-1]
    return re.sub(r"(, \d+ warnings?)? in [\d.]+s.*", "", last)


def test_grade_warm_scores_as_cold(tmp_path: Path) -> None:
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    assert grade(warm) == grade(cold, "--cold")
    files = sorted(p.name for p in cold.iterdir())
    assert sorted(p.name for p in warm.iterdir()) == files
    assert len([f for f in files if f.endswith(".pytest.log")]) == 3
    for name in files:
        if name.endswith(".json"):
            assert verdicts(warm / name) == verdicts(cold / name), name
        if name.endswith(".pytest.log"):
            assert counts(warm / name) == counts(cold / name), name
            assert "Warning" not in (warm / name).read_text(encoding="utf-8"), name
    (report,) = warm.glob("*lecture_verbatim.json")
    lecture = json.loads(report.read_text(encoding="utf-8"))
    assert lecture["score"] == 100 and lecture["extra_data"]["seed"] == 11
    assert "--- server log (lecture_verbatim:app) ---" in lecture["output"]


ISOLATION = """
import os, resource, sys

def test_bounded_and_private():
    assert resource.getrlimit(resource.RLIMIT_AS) == (MIB * 2**20, MIB * 2**20)
    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
    here = os.getcwd()
    assert os.environ["HOME"] == os.environ["TMPDIR"] == here, os.environ
    assert set(os.environ) <= ALLOWED, sorted(set(os.environ) - ALLOWED)
    assert sys.flags.isolated and sys.dont_write_bytecode
    assert os.read(0, 1) == b""
    mask = os.umask(0); os.umask(mask)
    assert mask == 0o077
    print("ISOLATED", os.getpid())
"""


def job(folder: Path, test: str) -> list[str]:
    """``pytest.main`` arguments that run ``test`` (a test module's source) from ``folder``
    as `conformance grade` runs the suite: our config, ``--rootdir``, ``--noconftest``."""
    folder.mkdir()
    (folder / "grade.ini").write_text(SUITE_CONFIG, encoding="utf-8")
    (folder / "test_job.py").write_text(test, encoding="utf-8")
    config = ["-c", str(folder / "grade.ini"), "--rootdir", str(folder), "--noconftest"]
    return [*config, "-p", "no:cacheprovider", "-q", "-s", str(folder / "test_job.py")]


def test_a_warm_job_is_isolated_bounded_and_stopped_at_its_time_out(tmp_path: Path) -> None:
    allowed = {*PASSED_ENV, "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE"}
    allowed |= {"PYTEST_VERSION", "PYTEST_CURRENT_TEST"}  # pytest's own, as in a cold run
    isolation = ISOLATION.replace("MIB", "1536").replace("ALLOWED", repr(allowed))
    worker = Worker(suite_memory_mib=1536)
    try:
        first = tmp_path / "first"
        worker.submit(job(first, isolation), tmp_path / "first.log", 60, first)
        assert worker.result() == {"finished": True, "code": 0}
        log = (tmp_path / "first.log").read_text(encoding="utf-8")
        assert "ISOLATED" in log and "1 passed" in log, log
        assert not list(first.rglob("__pycache__"))
        sleeper = tmp_path / "sleeper"
        started = time.monotonic()
        worker.submit(job(sleeper, "import time\ndef test_slow(): time.sleep(60)\n"), None, 2)
        assert worker.result()["finished"] is False
        assert time.monotonic() - started < 20
        again = tmp_path / "again"  # the same worker, after a job killed at its time-out
        worker.submit(job(again, isolation), tmp_path / "again.log", 60, again)
        assert worker.result() == {"finished": True, "code": 0}
        pids = re.findall(r"ISOLATED (\d+)", log + (tmp_path / "again.log").read_text())
        assert len(set(pids)) == 2, "a fresh fork per job"
    finally:
        worker.close()
    assert not worker.home.exists()
