"""ex1: /openapi.json declares what the lecture's code declares ("API Docs")."""

import httpx
import pytest

from conformance import openapi
from conformance.cases.ex1 import BODIES, OPERATIONS, PARAMETERS

pytestmark = [pytest.mark.ex1, pytest.mark.slide("API Docs")]


@pytest.fixture
def spec(client: httpx.Client) -> openapi.Document:
    return openapi.fetch(client)


@pytest.mark.parametrize(
    ("method", "paths"), OPERATIONS, ids=[f"{m} {p[0]}" for m, p in OPERATIONS]
)
def test_openapi_declares_operation(
    spec: openapi.Document, method: str, paths: tuple[str, ...]
) -> None:
    openapi.check_operation(spec, method, paths)


@pytest.mark.parametrize("param", PARAMETERS, ids=[p.id for p in PARAMETERS])
def test_openapi_declares_parameter(spec: openapi.Document, param: openapi.Param) -> None:
    openapi.check_parameter(spec, param)


@pytest.mark.parametrize("body", BODIES, ids=[b.id for b in BODIES])
def test_openapi_declares_body(spec: openapi.Document, body: openapi.Body) -> None:
    openapi.check_body(spec, body)
