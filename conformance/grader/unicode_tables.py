"""Hypothesis' Unicode tables, computed once and copied into every suite's folder.

The first time a suite draws text, hypothesis computes two tables (the Unicode category of every
character, and the characters UTF-8 encodes: ~2 CPU s) and keeps them in its storage folder,
``.hypothesis/unicode_data/``. Every suite the grader runs starts in a new private folder, so
each would compute them again. Instead the grader copies them in before the suite starts:

* from the installation, ``<prefix>/share/fastapi-lecture-conformance/hypothesis/``, where
  ``conformance prepare`` computes them once (the Gradescope autograder's setup.sh runs it,
  and ``dev.py`` when it installs);
* else, for a class (``--cold``, and each warm slot's worker), computed once per grading in a
  fresh interpreter, into a temporary folder of the grader's removed at exit.

Without them a suite computes its own, as before: slower, the same results. The files are
hypothesis' own, read by the hypothesis that wrote them (a version that wants another format
computes its tables again).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from conformance.grader.sandbox import PASSED_ENV

INSTALLED = Path(sys.prefix) / "share" / "fastapi-lecture-conformance" / "hypothesis"
"""The installation's storage folder for the tables (written only by :func:`main`, which
``conformance prepare`` calls)."""

TABLES = "unicode_data"
"""The sub-folder of a hypothesis storage folder that holds them."""

COMPUTE = (
    "from hypothesis import strategies as st\n"
    "st.text().validate()\n"
    "st.characters(exclude_categories=['Cs']).validate()\n"
)
"""What makes hypothesis write both tables (text, and text UTF-8 can encode)."""

TIMEOUT = 120.0

_lock = threading.Lock()
_prepared: Path | None = None
_tried = False


def compute(storage: Path) -> bool:
    """Have hypothesis write its tables under ``storage``, in a fresh interpreter; whether it
    did."""
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env.update(HYPOTHESIS_STORAGE_DIRECTORY=str(storage), PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-B", "-c", COMPUTE],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and (storage / TABLES).is_dir()


def ready() -> Path | None:
    """A storage folder that holds the tables, if one does: the installation's, or the one
    :func:`prepare` computed. Never computes."""
    if (INSTALLED / TABLES).is_dir():
        return INSTALLED
    return _prepared


def prepare() -> Path | None:
    """:func:`ready`'s folder, computing the tables into a temporary one the first time when
    the installation has none (None if that failed)."""
    global _prepared, _tried
    with _lock:
        if ready() is None and not _tried:
            _tried = True
            own = Path(tempfile.mkdtemp(prefix="conformance-unicode-"))
            atexit.register(shutil.rmtree, own, ignore_errors=True)
            if compute(own):
                _prepared = own
        return ready()


def copy_into(storage: Path) -> None:
    """Give a suite's hypothesis storage folder (``<its folder>/.hypothesis``) the tables, if
    they are ready."""
    source = ready()
    if source is not None:
        shutil.copytree(source / TABLES, storage / TABLES, dirs_exist_ok=True)


def main() -> int:
    """Compute the tables into the installation (replacing any there)."""
    INSTALLED.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".unicode-", dir=INSTALLED.parent))
    try:
        if not compute(fresh):
            print("could not compute hypothesis' Unicode tables", file=sys.stderr)
            return 1
        for path in [fresh, *fresh.rglob("*")]:  # readable by a grader of another user
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(INSTALLED, ignore_errors=True)
        fresh.rename(INSTALLED)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    print(f"hypothesis' Unicode tables: {INSTALLED / TABLES}")
    return 0
