"""The reference apps serve the ways the lecture shows: ``fastapi run``, uvicorn, ``serve``.

Each server is a subprocess on a free loopback port, waited for with a deadline and stopped
by its PID.
"""

from __future__ import annotations

import sys

import httpx
import pytest
from reference_fixtures import BIN, free_port, spawn

from reference_app.serve import parser

HELLO = {
    "ex1": ("/", {"message": "Hello World"}),
    "ex2": ("/coefs", {"intercept": None, "coef": None}),
}


def check_serving(base_url: str, exercise: str) -> None:
    path, expected = HELLO[exercise]
    r = httpx.get(base_url + path, timeout=10, trust_env=False)
    assert r.status_code == 200, r.text
    assert r.json() == expected


@pytest.mark.parametrize("exercise", ["ex1", "ex2"])
def test_fastapi_run(exercise: str) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [str(BIN / "fastapi"), "run", f"reference_app/{exercise}.py"]
    argv += ["--host", "127.0.0.1", "--port", str(port)]
    with spawn(argv, f"{base_url}/openapi.json", timeout=60):
        check_serving(base_url, exercise)


def test_uvicorn_import_string() -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "uvicorn", "reference_app.ex1:app", "--port", str(port)]
    with spawn(argv, f"{base_url}/openapi.json"):
        check_serving(base_url, "ex1")


def test_serve_main() -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = ["ex1", "--port", str(port)]
    code = f"import sys; from reference_app.serve import main; sys.exit(main({argv!r}))"
    with spawn([sys.executable, "-c", code], f"{base_url}/openapi.json"):
        check_serving(base_url, "ex1")


def test_serve_defaults_to_loopback_port_8000() -> None:
    args = parser().parse_args(["ex2"])
    assert (args.exercise, args.host, args.port) == ("ex2", "127.0.0.1", 8000)


def test_serve_rejects_an_unknown_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(["ex3"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
