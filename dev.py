#!/usr/bin/env python3
"""Set up the project's virtual environment, then run one of its jobs.

    python3 dev.py suite           # the conformance suite against the embedded reference apps
    python3 dev.py test            # the project's own tests: lint, types, the suite, the self-tests
    python3 dev.py test --quick    # the inner loop: lint, types, the suite, fast tests, a sample

Needs only python3 (3.11+) and pip. The virtual environment lives in .venv and is
(re)installed only when pyproject.toml or constraints.txt changed, so every job is
idempotent and cheap to repeat. Extra arguments are passed on to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def _run(*argv: str | Path) -> None:
    print("+", " ".join(str(a) for a in argv), flush=True)
    subprocess.run([str(a) for a in argv], cwd=ROOT, check=True)


def ensure_venv() -> None:
    """Create .venv and install the project with its dev extras, if not done already."""
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (ROOT / "constraints.txt").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = (BIN / "python", "-m", "pip", "--disable-pip-version-check", "-q")
    _run(*pip, "install", "-c", "constraints.txt", "-e", ".[dev]")
    # what every suite `conformance grade` runs would compute again, computed once here
    _run(BIN / "conformance", "prepare")
    STAMP.write_text(wanted)


def suite(args: list[str]) -> int:
    return subprocess.call([str(BIN / "pytest"), "conformance", *args], cwd=ROOT)


TEST_PARALLEL = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]
"""The project's tests, two files at a time (pytest-xdist): most of their time is spent waiting
for servers and subprocesses. A whole file stays in one worker, so its module and session
fixtures (the corpus, graded two servers at a time; the hostile class) run once; the slowest
files are handed out first (tests/conftest.py ``SLOW_FILES``). ``-n 0`` as an
extra argument runs them in one process. The 15 slowest tests are listed at the end, so that a
slow CI run says where its time went."""


CORPUS_SAMPLE = (
    "lecture_verbatim or fit_ridge or items_post_201 or add_result_float or plot_jpeg "
    "or reset_forgets_global_lm or user_name_stripped"
)
"""The corpus servers of the quick loop: the lecture's code and one mistake of each kind."""


def test(args: list[str]) -> int:
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    tests = [str(BIN / "pytest"), "tests", *TEST_PARALLEL, "--durations=15", *args]
    if quick:
        tests += ["-m", "not slow"]
    steps = [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy")],
        [str(BIN / "pytest"), "conformance", "-q", "--robust"],
        tests,
    ]
    if quick:
        corpus = ["tests/test_corpus.py", "-q", "-p", "no:cacheprovider", "-k", CORPUS_SAMPLE]
        steps.append([str(BIN / "pytest"), *corpus])
    for step in steps:
        print("+", " ".join(step), flush=True)
        code = subprocess.call(step, cwd=ROOT)
        if code != 0:
            return code
    return 0


JOBS = {"suite": suite, "test": test}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in JOBS:
        print(__doc__)
        return 2
    ensure_venv()
    return JOBS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
