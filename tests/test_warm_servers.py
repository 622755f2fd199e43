"""The corpus' pre-imported server interpreter: each fork is a fresh server of its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from warm_servers import WarmServers

from conformance.appspec import AppSpec
from conformance.live import NotServing, serve_process

APP = """
import os, random
import numpy as np
from fastapi import FastAPI

app = FastAPI()

@app.get("/who")
def who():
    return {"pid": os.getpid(), "mark": os.environ.get("MARK"),
            "random": random.random(), "numpy": float(np.random.rand())}
"""


@pytest.fixture(scope="module")
def servers() -> Iterator[WarmServers]:
    warm = WarmServers({**os.environ, "MPLBACKEND": "Agg"})
    try:
        yield warm
    finally:
        warm.close()


def _who(servers: WarmServers, folder: Path, mark: str) -> dict[str, object]:
    env = {**servers.env, "MARK": mark}
    with serve_process(
        AppSpec(folder, "app"), cwd=folder, env=env, start=servers.start, startup_timeout=30
    ) as served:
        answer: dict[str, object] = httpx.get(f"{served.base_url}/who").json()
        pid = served.process.pid
        assert answer["pid"] == pid
        assert os.getpgid(pid) == pid  # a session (and group) of its own
    assert served.process.returncode is not None, "stopped and reaped on exit"
    return answer


def test_each_fork_is_a_server_of_its_own(servers: WarmServers, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    first = _who(servers, tmp_path, "first")
    second = _who(servers, tmp_path, "second")
    assert (first["mark"], second["mark"]) == ("first", "second"), "its own environment"
    assert first["pid"] != second["pid"]
    assert first["random"] != second["random"], "random reseeded, as a fresh interpreter"
    assert first["numpy"] != second["numpy"], "numpy's global generator reseeded"


def test_a_server_that_cannot_start_is_reported(servers: WarmServers, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("raise ImportError('no such thing')\n", encoding="utf-8")
    log = tmp_path / "server.log"
    app = AppSpec(tmp_path, "app")
    with (
        log.open("wb") as out,
        pytest.raises(NotServing, match="exited with 1"),
        serve_process(app, cwd=tmp_path, log=out, start=servers.start),
    ):
        pass  # pragma: no cover (never serves)
    assert "no such thing" in log.read_text(), "its traceback went to its log"


def test_only_uvicorn_is_pre_imported(servers: WarmServers) -> None:
    with pytest.raises(ValueError, match="only `python -m uvicorn`"):
        servers.start(["sleep", "1"])
