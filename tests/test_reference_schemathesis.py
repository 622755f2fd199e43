"""``schemathesis run --checks all`` finds no failure in either reference app.

Each app is served by uvicorn in a subprocess, as a student's would be, and schemathesis
runs from the repository, so it reads the top-level schemathesis.toml. The run is bounded
(examples per operation, a fixed seed, no example database) to stay well under 20 s.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from reference_fixtures import BIN, REPO

from conformance import registry
from conformance.live import serve_process

SCHEMATHESIS = BIN / "schemathesis"
BUDGET_SECONDS = 60  # a hard stop; a run normally takes under 10 s


@pytest.mark.parametrize("exercise", registry.names())
def test_schemathesis_finds_no_failure(exercise: str) -> None:
    with serve_process(f"reference_app.{exercise}:app", cwd=REPO) as server:
        base_url = server.base_url
        started = time.monotonic()
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{base_url}/openapi.json",
                "--checks", "all",
                "--max-examples", "30",
                "--seed", "1",
                "--generation-database", "none",
                "--continue-on-failure",
                "--workers", "1",
                "--no-color",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=BUDGET_SECONDS,
        )  # fmt: skip
        seconds = time.monotonic() - started
    report = f"schemathesis exited {run.returncode} after {seconds:.1f} s\n{run.stdout}{run.stderr}"
    print(f"schemathesis on {exercise}: exit {run.returncode} in {seconds:.1f} s")
    assert run.returncode == 0, report
    assert "No issues found" in run.stdout or "passed" in run.stdout, report
