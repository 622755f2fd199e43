"""`conformance prepare`: compute once, where the suite is installed, what every grading run
would otherwise compute again.

* hypothesis' Unicode tables (:mod:`conformance.grader.unicode_tables`): ~2 CPU s a suite;
* the suite's modules compiled, and its test modules as pytest rewrites their asserts: ~1.3
  CPU s a suite. The grader runs each suite with ``-B`` (a grading writes no bytecode), so
  without them every suite compiles and rewrites them again.

Run it once after installing (``dev.py`` does, and the Gradescope autograder's setup.sh); it
writes only into the installation (``__pycache__`` folders, ``<prefix>/share``), even where
``PYTHONDONTWRITEBYTECODE`` is set. Grading works without it, slower.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import conformance
import reference_app
from conformance.grader import unicode_tables
from conformance.grader.job import SUITE_CONFIG

TIMEOUT = 300.0


def compile_suite() -> bool:
    """Compile the suite's and the reference apps' modules, then collect the suite as the
    grader does (its config, no conftest), so that pytest writes its rewritten test modules;
    whether both worked."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    packages = [str(Path(str(p.__file__)).parent) for p in (conformance, reference_app)]
    try:
        compiled = subprocess.run(
            [sys.executable, "-m", "compileall", "-q", *packages],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        with tempfile.TemporaryDirectory(prefix="conformance-prepare-") as scratch:
            config = Path(scratch, "conformance-grade.ini")
            config.write_text(SUITE_CONFIG, encoding="utf-8")
            collected = subprocess.run(
                [
                    *(sys.executable, "-m", "pytest", "-c", str(config), "--rootdir", scratch),
                    *("--noconftest", "-p", "no:cacheprovider", "--pyargs", "conformance"),
                    *("--collect-only", "-q"),
                ],
                cwd=scratch,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
            )
    except (OSError, subprocess.TimeoutExpired):  # said by main, without a traceback
        return False
    return compiled.returncode == 0 and collected.returncode == 0


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="conformance prepare", description=__doc__.split("\n\n")[0]
    ).parse_args(argv)
    problems = []
    if unicode_tables.main() != 0:
        problems.append("hypothesis' Unicode tables")
    if compile_suite():
        print(f"compiled: {', '.join(p.__name__ for p in (conformance, reference_app))}")
    else:
        problems.append("the suite's compiled modules")
    for problem in problems:
        print(f"conformance prepare: could not write {problem}; gradings compute it each time",
              file=sys.stderr)  # fmt: skip
    return 1 if problems else 0
