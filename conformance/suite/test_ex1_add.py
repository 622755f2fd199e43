"""ex1 /add: what "Query parameters" and "Type hinting" imply beyond the transcript lines."""

import httpx
import pytest

from conformance import expect

pytestmark = [pytest.mark.ex1, pytest.mark.slide("Query parameters")]

SUMS = [
    (0, 0),
    (2, 3),
    (-7, 12),
    (-5, -6),
    (123456789, 987654321),
    (2**63, 2**63),  # past 64-bit integers: Python ints do not overflow
    (10**30, -(10**30) + 1),
]


@pytest.mark.parametrize(("x", "y"), SUMS, ids=[f"{x}+{y}" for x, y in SUMS])
def test_add_is_x_plus_y(client: httpx.Client, x: int, y: int) -> None:
    response = client.get("/add", params={"x": x, "y": y})
    expect.check(response, 200, {"result": x + y})


@pytest.mark.parametrize("x", [0, 42, -3, 10**20])
def test_add_y_defaults_to_0(client: httpx.Client, x: int) -> None:
    response = client.get("/add", params={"x": x})
    expect.check(response, 200, {"result": x})


NOT_INTEGERS = ["abc", "1.5", "2.", "one", "1,5", "0x10", "1e3", "true"]


@pytest.mark.slide("Type hinting")
@pytest.mark.parametrize("value", NOT_INTEGERS)
def test_add_x_must_be_an_integer(client: httpx.Client, value: str) -> None:
    response = client.get("/add", params={"x": value, "y": 1})
    expect.check_error(response, ["query", "x"])


@pytest.mark.slide("Type hinting")
@pytest.mark.parametrize("value", ["abc", "0.5"])
def test_add_y_must_be_an_integer(client: httpx.Client, value: str) -> None:
    response = client.get("/add", params={"x": 1, "y": value})
    expect.check_error(response, ["query", "y"])


def test_add_without_x_is_422_whatever_y_is(client: httpx.Client) -> None:
    response = client.get("/add", params={"y": 5})
    expect.check_error(response, ["query", "x"], "missing")
