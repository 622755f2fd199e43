"""Every request the lecture's transcripts send, for every exercise, and what they printed."""

import httpx
import pytest

from conformance import registry
from conformance.cases import Case
from conformance.suite.parametrize import over_exercises
from conformance.transcript import replay


@pytest.mark.parametrize(
    "case", over_exercises(lambda ex: ex.cases, lambda c: c.id, lambda c: c.slide)
)
def test_documented(client: httpx.Client, exercise: str, case: Case) -> None:
    replay(client, case, registry.get(exercise).cases)
