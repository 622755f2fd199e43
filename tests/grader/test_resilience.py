"""The suite against real misbehaving servers on loopback: it always ends, and always reports.

Each test runs the suite in a subprocess exactly as `conformance grade` does and checks three
things: the run ends in bounded time, the Gradescope report is written, and the per-test
feedback says plainly what the server did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from misbehaving.sockets import closed_port, huge_body_server, silent_server
from paths import MISBEHAVING

from conformance.appspec import AppSpec
from conformance.grader.job import SHOWN_BASE_URL, Options
from conformance.live import serve, serve_process


def run_suite(
    base_url: str, tmp_path: Path, *extra: str, timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], float, dict[str, Any]]:
    report = tmp_path / "results.json"
    # the command `conformance grade` runs; later options (a shorter time-out) win
    command = Options("ex1").pytest_command(base_url, report, tmp_path)
    command += ["--junitxml", str(tmp_path / "junit.xml"), *extra]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=timeout, check=False
    )
    elapsed = time.monotonic() - started
    assert report.is_file(), f"no report written\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    return done, elapsed, json.loads(report.read_text())


def failed_outputs(results: dict[str, Any]) -> str:
    return "\n".join(t["output"] for t in results["tests"] if t["status"] == "failed")


def stopped_before_any_test(done: subprocess.CompletedProcess[str], results: dict[str, Any]) -> str:
    """The run stopped at once with one sentence, and the report still says 0 of 100."""
    assert done.returncode == 4, done.stdout[-3000:]
    assert "FAILED" not in done.stdout and "Traceback" not in done.stdout
    assert (results["score"], results["max_score"]) == (0, 100)
    assert all(t["score"] == 0 for t in results["tests"])
    output: str = results["output"]
    assert output.startswith("No test ran: ")
    return output


def test_server_not_listening_is_one_message_and_a_zero_report(tmp_path: Path) -> None:
    url = closed_port()
    done, elapsed, results = run_suite(url, tmp_path)
    output = stopped_before_any_test(done, results)
    assert f"could not connect to {url}: is the server running" in output
    assert f"could not connect to {url}" in done.stdout
    assert elapsed < 90, f"took {elapsed:.1f} s"


def test_server_that_never_answers_ends_in_bounded_time(tmp_path: Path) -> None:
    with silent_server() as url:
        done, elapsed, results = run_suite(url, tmp_path, "--request-timeout", "0.5")
    output = stopped_before_any_test(done, results)
    assert "no answer within 0.5 s: GET" in output
    assert elapsed < 60, f"took {elapsed:.1f} s"


def test_server_that_dies_mid_run(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DIE_AFTER": "30", "HOME": str(tmp_path)}
    app = AppSpec(MISBEHAVING, "dies_after")
    with (
        (tmp_path / "server.log").open("wb") as log,
        serve_process(app, cwd=MISBEHAVING, env=env, log=log) as server,
    ):
        url = server.base_url
        done, elapsed, results = run_suite(url, tmp_path, "--request-timeout", "2")
    assert server.process.returncode == 3, "the server should have ended itself"
    assert done.returncode == 1, done.stdout[-3000:]
    assert 0 < results["score"] < 100, "some tests ran before the server died"
    feedback = failed_outputs(results)
    # The student reads their own base URL, never the grader's temporary port (issue 19).
    assert f"could not connect to {SHOWN_BASE_URL}" in feedback and url not in feedback
    assert "hint: your server could not be reached" in feedback
    fix = results["output"].split("What to fix:\n", 1)[1]
    assert "hint: your server could not be reached" in fix
    assert elapsed < 90, f"took {elapsed:.1f} s"


def test_server_answering_html_instead_of_json(tmp_path: Path) -> None:
    sys.path.insert(0, str(MISBEHAVING))
    try:
        with serve("not_json:app") as url:
            done, elapsed, results = run_suite(url, tmp_path)
    finally:
        sys.path.remove(str(MISBEHAVING))
    assert done.returncode == 1, done.stdout[-3000:]
    feedback = failed_outputs(results)
    assert "(not JSON)" in feedback
    assert "200 text/html; charset=utf-8" in feedback
    assert results["score"] < 20
    assert elapsed < 90, f"took {elapsed:.1f} s"


def test_server_sending_a_huge_body_is_cut_off(tmp_path: Path) -> None:
    with huge_body_server() as url:
        done, elapsed, results = run_suite(url, tmp_path, "-k", "documented")
    output = stopped_before_any_test(done, results)
    assert "is larger than 20 MiB (decompressed); stopped reading" in output
    assert elapsed < 90, f"took {elapsed:.1f} s"
