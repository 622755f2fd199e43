"""ex1: every request the lecture's transcripts send, and exactly what they printed."""

import httpx
import pytest

from conformance.cases import Case
from conformance.cases.ex1 import CASES
from conformance.transcript import replay

pytestmark = pytest.mark.ex1


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=pytest.mark.slide(c.slide)) for c in CASES]
)
def test_documented(client: httpx.Client, case: Case) -> None:
    replay(client, case)
