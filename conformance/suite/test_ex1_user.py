"""ex1 /user/{user_id}: what "Path parameters" implies beyond the transcript lines."""

import httpx
import pytest

from conformance import expect

pytestmark = [pytest.mark.ex1, pytest.mark.slide("Path parameters")]

NAMES = {
    "plain": "Colin",
    "empty": "",
    "space": " ",
    "spaces-inside": "Ada Lovelace",
    "accents": "Zoë Ångström",
    "cjk": "日本語",
    "emoji": "🚀",
    "url-special": "a&b=c?d#e/f",
    "percent": "100%",
    "plus": "1+1",
    "quote": 'O\'Brien "the" third',
    "looks-like-a-number": "123",
    "looks-like-null": "null",
    "long": "x" * 2000,
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_user_echoes_name(client: httpx.Client, name: str) -> None:
    response = client.get("/user/7", params={"name": name})
    expect.check(response, 200, {"user_id": 7, "name": name})


@pytest.mark.parametrize("user_id", [0, 1, -5, 2**63, 10**30])
def test_user_echoes_id(client: httpx.Client, user_id: int) -> None:
    response = client.get(f"/user/{user_id}")
    expect.check(response, 200, {"user_id": user_id})


@pytest.mark.parametrize("user_id", [0, -5, 10**30])
def test_user_echoes_id_and_name(client: httpx.Client, user_id: int) -> None:
    response = client.get(f"/user/{user_id}", params={"name": "Colin"})
    expect.check(response, 200, {"user_id": user_id, "name": "Colin"})


@pytest.mark.parametrize("user_id", ["Colin", "1.5", "abc123", "true"])
def test_user_id_must_be_an_integer(client: httpx.Client, user_id: str) -> None:
    response = client.get(f"/user/{user_id}")
    expect.check_error(response, ["path", "user_id"])
