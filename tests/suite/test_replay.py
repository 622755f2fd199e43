"""A failure's replay script brings a freshly started server to the failure, whatever earlier
tests sent it.

Tests of ex1 share one list of items: a test starts from what earlier tests left in it, so its
own requests alone do not reproduce what it saw (a bounds check off by one fails only at the
list's length). The transport keeps what changed the server's state since it started (or since
the last ``/reset``), and a failure's script sends that first; the message says how much.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import httpx
import pytest
from lecture_servers import suite
from paths import CORPUS

from conformance.appspec import AppSpec
from conformance.failure import Earlier, Failure, Sent, before_this_test
from conformance.live import serve_process
from conformance.transport import StateLog

JSON = "application/json"
ORIGIN = "http://127.0.0.1:8000"


def sent(method: str, path: str, body: bytes = b"") -> Sent:
    return Sent(method, ORIGIN + path, body, JSON if body else "")


def test_the_log_keeps_what_changes_the_state_since_the_last_reset() -> None:
    log = StateLog()
    first = log.mark()
    assert not log.record("POST /items", sent("POST", "/items", b'{"name":"a","price":1}'))
    assert not log.record("GET /items/{item_id}", sent("GET", "/items/0"))
    assert not log.record(None, sent("GET", "/elsewhere"))
    assert not log.record("POST /fit", sent("POST", "/fit", b"{}"))
    second = log.mark()
    assert [s.method + " " + s.url for s in second.requests()] == [
        f"POST {ORIGIN}/items",
        f"POST {ORIGIN}/fit",
    ]
    assert first.requests() == ()  # a mark is what was sent before it, never after
    assert log.record("GET /reset", sent("GET", "/reset"))
    assert log.mark().requests() == ()
    assert len(second.requests()) == 2  # a reset leaves earlier marks as they were


def with_prelude() -> Failure:
    prelude = (
        sent("POST", "/items", b'{"name":"Widget","price":9.99}'),
        sent("POST", "/items", b'{"name":"Widget"}'),
        sent("POST", "/fit", b'{"X":[[1.0]],"y":[2.0]}'),
    )
    return Failure(
        "404",
        "500",
        "$.status: expected 404, got 500",
        sent("GET", "/items/2"),
        (Earlier(sent("POST", "/items", b'{"name":"Last","price":2.0}'), 200),),
        prelude=prelude,
    )


def test_a_failure_says_what_earlier_tests_sent_and_its_replay_sends_it_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    failure = with_prelude()
    assert failure.prelude_counts() == {"POST /items": 2, "POST /fit": 1}
    line = (
        "before this, earlier requests had changed the server's state: "
        "POST /items 2 times, POST /fit 1 time"
    )
    assert f"{line} (the replay script sends them first)" in failure.render()
    assert line in failure.render(local=False) and "replay" not in failure.render(local=False)
    script = failure.replay_script()
    assert "Requests 1 to 3 are what earlier tests sent" in script
    urls = re.findall(r"^echo '--- \d+\. (\S+ \S+)'", script, re.MULTILINE)
    assert urls == [
        f"POST {ORIGIN}/items",
        f"POST {ORIGIN}/items",
        f"POST {ORIGIN}/fit",
        f"POST {ORIGIN}/items",
        f"GET {ORIGIN}/items/2",
    ]
    data = failure.as_dict(local=False)
    assert data["prelude"] == {"POST /items": 2, "POST /fit": 1}  # counts, never the requests
    moved = failure.shown_at(ORIGIN, "http://localhost:9000")
    assert all(s.url.startswith("http://localhost:9000/") for s in moved.prelude)


@pytest.mark.parametrize(
    "counts",
    [None, "POST /items 5 times", ["POST /items"], {"POST /items": "5"}, {"x": -1}, {"x": True}],
)
def test_a_report_s_counts_are_read_as_untrusted(counts: object) -> None:
    assert before_this_test(counts) is None


def test_a_long_name_in_a_report_s_counts_is_cut() -> None:
    line = before_this_test({"POST /" + "a" * 5000: 3, **{f"op{i}": 1 for i in range(50)}})
    assert line is not None and len(line) < 1000


def replay(script: Path, origin: str, base_url: str) -> list[httpx.Response]:
    """Send the script's curl lines, in order, to ``base_url`` instead of ``origin`` (what
    ``sh`` would do with curl, without needing curl)."""
    answers = []
    with httpx.Client(timeout=30) as client:
        for line in script.read_text(encoding="utf-8").splitlines():
            if not line.startswith("curl "):
                continue
            words = shlex.split(line)
            method = words[words.index("-X") + 1] if "-X" in words else "GET"
            url = next(w for w in words if w.startswith(origin)).replace(origin, base_url, 1)
            body = words[words.index("--data-binary") + 1] if "--data-binary" in words else ""
            if body.startswith("@"):
                body = Path(body[1:]).read_text(encoding="utf-8")
            headers = {"content-type": JSON} if body else {}
            answers.append(client.request(method, url, content=body, headers=headers))
    return answers


@pytest.mark.slow
def test_the_replay_reproduces_on_a_fresh_server_what_the_suite_saw(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GET /items/{id} checks `item_id > len(items)`: only the list's length itself is a 500, and
    # the list's length is what every earlier test of the session left in it.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    app = AppSpec(CORPUS / "ex1", "items_greater_than_check")
    with serve_process(app) as served:
        result = suite(
            pytester, "--base-url", served.base_url, "--fresh-server", "--exercise", "ex1",
            "--hypothesis-profile", "grading", "--tb=short", "-k", "not openapi and not schema",
        )  # fmt: skip
        origin = served.base_url
    output = result.stdout.str()
    block = output.partition(" test_items_get_past_the_end_is_404 ")[2].partition("\n____")[0]
    counted = re.search(r"changed the server's state: POST /items (\d+) times", block)
    assert counted and int(counted[1]) > 0, output[-3000:]
    script = re.search(r"replay the whole sequence: sh (\S+)", block)
    assert script, block
    with serve_process(app) as fresh:
        answers = replay(Path(script[1]), origin, fresh.base_url)
    assert len(answers) > int(counted[1])
    assert answers[-1].status_code == 500, "the replay ends in the crash the suite saw"
    assert all(a.status_code < 500 for a in answers[:-1])
