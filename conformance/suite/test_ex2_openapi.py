"""ex2: /openapi.json declares what the lecture's code declares ("API Docs")."""

import httpx
import pytest

from conformance import openapi
from conformance.cases.ex2 import BODIES, OPERATIONS

pytestmark = [pytest.mark.ex2, pytest.mark.slide("API Docs")]


@pytest.fixture
def spec(client: httpx.Client) -> tuple[dict, httpx.Response]:
    response = client.get("/openapi.json")
    return openapi.fetch(client), response


@pytest.mark.parametrize(
    ("method", "paths"), OPERATIONS, ids=[f"{m} {p[0]}" for m, p in OPERATIONS]
)
def test_openapi_declares_operation(spec: tuple, method: str, paths: tuple[str, ...]) -> None:
    openapi.check_operation(*spec, method, paths)


@pytest.mark.parametrize("body", BODIES, ids=[b.id for b in BODIES])
def test_openapi_declares_body(spec: tuple, body: openapi.Body) -> None:
    openapi.check_body(*spec, body)
