"""The reference apps serve the ways the lecture shows: ``fastapi run``, uvicorn, ``serve``.

Each server is a subprocess on a free loopback port, waited for with a deadline and stopped
by its PID.
"""

from __future__ import annotations

import sys

import httpx
import pytest
from reference_fixtures import BIN, REPO

from conformance import registry
from conformance.live import serve_process
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


@pytest.mark.parametrize("exercise", registry.names())
def test_fastapi_run(exercise: str) -> None:
    argv = [str(BIN / "fastapi"), "run", f"reference_app/{exercise}.py"]
    argv += ["--host", "127.0.0.1", "--port", "{port}"]
    with serve_process(argv, cwd=REPO) as server:
        check_serving(server.base_url, exercise)


def test_uvicorn_import_string() -> None:
    argv = [sys.executable, "-m", "uvicorn", "reference_app.ex1:app", "--port", "{port}"]
    with serve_process(argv, cwd=REPO) as server:
        check_serving(server.base_url, "ex1")


def test_serve_main() -> None:
    code = "import sys; from reference_app.serve import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "ex1", "--port", "{port}"]
    with serve_process(argv, cwd=REPO) as server:
        check_serving(server.base_url, "ex1")


def test_serve_defaults_to_loopback_port_8000() -> None:
    args = parser().parse_args(["ex2"])
    assert (args.exercise, args.host, args.port) == ("ex2", "127.0.0.1", 8000)


def test_serve_rejects_an_unknown_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(["ex3"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
