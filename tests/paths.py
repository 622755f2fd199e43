"""Where the project's tests find the project, whichever folder of tests/ they are in."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
LECTURE = TESTS / "lecture"
"""The lecture's code, verbatim: the canonical student answers."""
CORPUS = TESTS / "corpus"
HOSTILE = TESTS / "hostile"
MISBEHAVING = TESTS / "misbehaving"
