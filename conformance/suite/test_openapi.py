"""/openapi.json declares what the lecture's code declares ("API Docs"), for every exercise."""

import httpx
import pytest

from conformance import openapi
from conformance.registry import Operation
from conformance.suite.parametrize import over_exercises

pytestmark = pytest.mark.slide("API Docs")


@pytest.fixture
def spec(client: httpx.Client) -> openapi.Document:
    return openapi.fetch(client)


@pytest.mark.parametrize("op", over_exercises(lambda ex: ex.operations, lambda op: op.label))
def test_openapi_declares_operation(spec: openapi.Document, op: Operation) -> None:
    openapi.check_operation(spec, op.method, op.paths)


@pytest.mark.parametrize("param", over_exercises(lambda ex: ex.parameters, lambda p: p.id))
def test_openapi_declares_parameter(spec: openapi.Document, param: openapi.Param) -> None:
    openapi.check_parameter(spec, param)


@pytest.mark.parametrize("body", over_exercises(lambda ex: ex.bodies, lambda b: b.id))
def test_openapi_declares_body(spec: openapi.Document, body: openapi.Body) -> None:
    openapi.check_body(spec, body)
