"""Hostile submissions (tests/hostile/) graded between honest ones: nothing they try gets out.

One `conformance grade --jobs 2` run grades every attack between copies of the lecture's ex1,
as a teacher would: a HOME holding a (fake) token and ssh key, the token in the environment,
a pytest.ini and conftest.py already planted in TMPDIR and its parent, and a Python whose
site-packages is writable (a venv inside the test's root, so a failed sandbox could only damage
the test's own files). Then every promise of the threat model is checked on what is left.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import fcntl
import hashlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from paths import REPO

from conformance.grader.sandbox.limits import Limits
from conformance.grader.sandbox.sandbox import Protections
from conformance.grader.sandbox.uids import UidPool, processes_of, uid_claim

HOSTILE = REPO / "tests" / "hostile"
HONEST = REPO / "tests" / "lecture" / "ex1_app.py"
ATTACKS = sorted(path.stem for path in HOSTILE.glob("*.py"))
MARK = "conformance-hostile-mark"
WALL_CLOCK = 420.0
"""Seconds the whole hostile class may take (2 jobs)."""

PROTECTIONS = Protections.detect()
needs_sandbox = pytest.mark.skipif(
    not (PROTECTIONS.namespaces and PROTECTIONS.root),
    reason="the full sandbox needs root and bubblewrap: " + "; ".join(PROTECTIONS.missing()),
)


class Decoy:
    """Another Unix socket on the machine (as docker.sock would be), open to every uid: the
    grader must never connect to it, whatever a submission does to its own socket's name."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o755)
        self.path = path
        self.connections = 0
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        path.chmod(0o777)
        self.listener.listen()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn, contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")

    def close(self) -> int:
        """Stop listening; how many connections it got."""
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(5)
        return self.connections


@dataclass
class Graded:
    root: Path
    out: Path
    secrets: list[str]
    before: dict[str, str]
    after: dict[str, str]
    done: subprocess.CompletedProcess[str]
    elapsed: float
    rows: dict[str, dict[str, str]]
    decoy_connections: int

    def report(self, name: str) -> dict[str, object]:
        return dict(json.loads((self.out / "reports" / f"{name}.json").read_text()))

    def server_log(self, name: str) -> str:
        return (self.out / "reports" / f"{name}.server.log").read_text(errors="replace")


def _python_with_writable_site_packages(root: Path) -> Path:
    """A venv in ``root`` that also sees this one's packages: its site-packages is the target."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = sysconfig.get_paths()["purelib"]
    Path(site, "outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    return python


CONFTEST = (
    "import pathlib\n"
    "pathlib.Path(__file__).with_name('HOSTILE_CONFTEST_LOADED').write_text('loaded')\n"
)


def _fingerprint(root: Path, skip: Path) -> dict[str, str]:
    """Path -> sha256 of every file under ``root`` except under ``skip`` (the outputs)."""
    prints = {}
    for path in sorted(root.rglob("*")):
        if skip in path.parents or path == skip or "__pycache__" in path.parts:
            continue
        if path.is_file() and not path.is_symlink():
            prints[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            prints[str(path.relative_to(root))] = "dir"
    outer = Path(sysconfig.get_paths()["purelib"])
    for path in sorted(outer.iterdir()):
        stat = path.stat()
        prints[f"outer:{path.name}"] = f"{stat.st_size}:{stat.st_mtime_ns}"
    for path in outer.rglob("__pycache__/*.pyc"):  # no bytecode of its sessions, no plant
        prints[f"outer:{path.relative_to(outer)}"] = "pyc"
    return prints


def _uids(stderr: str) -> list[int]:
    """The job slots' uids, from the grader's ``server uids: A B`` line."""
    line = next(line for line in stderr.splitlines() if line.startswith("server uids:"))
    return [int(uid) for uid in line.split(":")[1].split()]


def _survivors(uids: list[int]) -> list[str]:
    """Processes that should not exist any more: marked ones and the job slots' uids.

    The uids are claimed first, as a grader claims them: a grader running beside this test
    (another test, pytest-xdist) may take a uid the finished grader let go of, and its servers
    are not survivors. While the claim is held, every process of those uids is one.
    """
    with _claimed(uids):
        return _still_running(uids)


@contextlib.contextmanager
def _claimed(uids: list[int], wait: float = 300) -> Iterator[None]:
    """Hold the graders' claim on ``uids`` (waiting, bounded, for a grader that holds one)."""
    deadline = time.monotonic() + wait
    with contextlib.ExitStack() as stack:
        for uid in uids:
            claim = stack.enter_context(uid_claim(uid).open("a"))
            while True:
                try:
                    fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"uid {uid} stayed claimed by another grader for {wait:.0f} s")
                    time.sleep(0.2)
        yield


def _still_running(uids: list[int]) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if MARK.encode() in argv:
            found.append(f"{entry.name}: {argv!r}")
    for uid in uids:
        found += [f"uid {uid}: pid {pid}" for pid in processes_of(uid)]
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    if not (PROTECTIONS.namespaces and PROTECTIONS.root):
        pytest.skip("the full sandbox needs root and bubblewrap")
    root = tmp_path_factory.mktemp("hostile-root")
    token = f"ghp_FAKE{secrets.token_hex(12)}"
    key = f"FAKE-SSH-KEY-{secrets.token_hex(12)}"
    gh = f"gho_FAKE{secrets.token_hex(12)}"
    home = root / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{key}\n")
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".config" / "gh" / "hosts.yml").write_text(f"github.com:\n  oauth_token: {gh}\n")
    python = _python_with_writable_site_packages(root / "venv")
    tmp = root / "tmp"
    tmp.mkdir()
    for place in (tmp, root):  # as if a submission had already planted them
        (place / "pytest.ini").write_text("[pytest]\naddopts = --collect-only\n")
        (place / "conftest.py").write_text(CONFTEST)
    names = ["honest-a", *ATTACKS[: len(ATTACKS) // 2], "honest-m", *ATTACKS[len(ATTACKS) // 2 :]]
    names.append("honest-z")
    apps = []
    for name in names:
        target = root / "subs" / name / "app.py"
        target.parent.mkdir(parents=True)
        shutil.copy(HONEST if name.startswith("honest") else HOSTILE / f"{name}.py", target)
        apps.append(str(target))
    (root / "subs" / "linked_secret" / "key.txt").symlink_to(home / ".ssh" / "id_rsa")
    decoy = Decoy(root / "run" / "docker.sock")
    (root / "subs" / "swap_socket" / "decoy.txt").write_text(str(decoy.path))
    out = root / "out"
    before = _fingerprint(root, out)
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "GITHUB_TOKEN": token,
    }
    command = [str(python), "-m", "conformance.cli", "grade", "ex1", *apps, "--jobs", "2"]
    command += ["--csv", str(out / "grades.csv"), "--reports", str(out / "reports")]
    command += ["--run-timeout", "60", "--startup-timeout", "15", "--request-timeout", "2"]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=WALL_CLOCK + 60
        )
    finally:
        decoy_connections = decoy.close()
    elapsed = time.monotonic() - started
    time.sleep(2)  # a surviving daemon would rewrite the CSV now
    after = _fingerprint(root, out)
    with (out / "grades.csv").open(encoding="utf-8") as grades:
        rows = {row["submission"]: row for row in csv.DictReader(grades)}
    return Graded(
        root, out, [token, key, gh], before, after, done, elapsed, rows, decoy_connections
    )


@needs_sandbox
def test_honest_submissions_score_full_marks(graded: Graded) -> None:
    for name in ("honest-a", "honest-m", "honest-z"):
        assert graded.rows[name]["score"] == "100", (name, graded.report(name)["output"])
        assert graded.rows[name]["status"] == "graded"


@needs_sandbox
def test_no_secret_in_any_output(graded: Graded) -> None:
    outputs = [graded.done.stdout, graded.done.stderr]
    outputs += [
        path.read_text(errors="replace") for path in graded.out.rglob("*") if path.is_file()
    ]
    for secret in graded.secrets:
        assert not any(secret in text for text in outputs), f"{secret[:8]}... leaked"
    # the attack did run, and found only its own sandbox's environment: no key, no token file
    loot = graded.server_log("steal_secrets")
    assert "LOOT [" in loot
    assert "id_rsa:" not in loot and "hosts.yml:" not in loot and "GITHUB_TOKEN" not in loot


@needs_sandbox
def test_no_file_outside_the_outputs_changed(graded: Graded) -> None:
    changed = {
        path
        for path in graded.before.keys() | graded.after.keys()
        if graded.before.get(path) != graded.after.get(path)
    }
    assert not changed, sorted(changed)
    assert "TAMPERED []" in graded.server_log("tamper_files")


@needs_sandbox
def test_nothing_survives_grading(graded: Graded) -> None:
    assert graded.server_log("setsid_daemon").count("DAEMON ALIVE") == 2, "both daemons ran"
    uids = _uids(graded.done.stderr)
    assert len(uids) == 4  # two job slots, two uids each: the next server starts meanwhile
    assert not _survivors(uids)
    assert not list(graded.root.rglob("HOSTILE_CONFTEST_LOADED")), "a planted conftest ran"
    assert "PLANTED ['/tmp']" in graded.server_log("plant_pytest_config"), "only its own /tmp"


@needs_sandbox
def test_every_submission_has_a_row_a_report_and_the_seed(graded: Graded) -> None:
    assert set(graded.rows) == {"honest-a", "honest-m", "honest-z", *ATTACKS}
    seeds = {row["seed"] for row in graded.rows.values()}
    assert len(seeds) == 1 and seeds.pop().isdigit()
    for name in graded.rows:
        report = graded.report(name)
        assert "score" in report and "tests" in report
    assert "sandbox: namespaces, own uid per job" in graded.done.stderr
    assert "a cgroup per job (cgroup v" in graded.done.stderr


@needs_sandbox
def test_the_class_is_graded_within_the_wall_clock_cap(graded: Graded) -> None:
    assert graded.elapsed < WALL_CLOCK, f"{graded.elapsed:.0f} s"
    assert graded.done.returncode in (0, 1), graded.done.stderr[-3000:]


@needs_sandbox
def test_each_attack_is_contained(graded: Graded) -> None:
    assert "LINKED nothing: FileNotFoundError" in graded.server_log("linked_secret")
    assert "took" not in graded.server_log("steal_port"), "another student's port was taken"
    assert "PORTS []" in graded.server_log("steal_port")
    assert (graded.out / "reports" / "big_log.server.log").stat().st_size < 2 * 1024 * 1024
    assert "file write stopped" in graded.server_log("big_log")
    forked = int(graded.server_log("fork_bomb").split("FORKED ")[1].split()[0])
    assert forked < 128, forked
    held = [int(part.split()[0]) for part in graded.server_log("memory_hog").split("MEMORY ")[1:]]
    assert held, f"the hog reported nothing:\n{graded.server_log('memory_hog')}"
    assert max(held) < 2048, held
    filled = graded.server_log("fill_disk").split("FILLED ")[1].splitlines()[0]
    assert int(filled.split()[0]) <= Limits().tmp_mib, filled
    assert filled.count("No space left") == 2, filled  # /tmp and HOME: no socket folder
    slow = graded.rows["slow_probe"]
    assert (slow["status"], slow["score"]) == ("the server did not start", "0")
    for name in ("endless_body", "gzip_bomb"):
        assert graded.rows[name]["score"] == "0", name


@needs_sandbox
def test_the_grader_never_follows_a_name_the_student_controls(graded: Graded) -> None:
    log = graded.server_log("swap_socket")
    assert "SWAPPED" in log, "the attack ran"
    assert "'swapped'" not in log.split("SWAPPED", 1)[1].splitlines()[0], "no name to swap"
    assert graded.decoy_connections == 0, "the grader connected to another socket"
    assert graded.rows["swap_socket"]["status"] == "graded"
    assert float(graded.rows["swap_socket"]["score"]) > 0, "the grader reached the server"


@needs_sandbox
def test_no_user_or_mount_namespace_of_its_own(graded: Graded) -> None:
    tried = graded.server_log("own_namespace").split("NAMESPACES", 1)[1].splitlines()[0]
    assert "MOUNTED" not in tried, tried
    assert tried.count("Operation not permitted") == 2, tried


@needs_sandbox
def test_memory_is_bounded_per_submission_not_per_process(graded: Graded) -> None:
    log = graded.server_log("memory_together")
    assert "TOGETHER " in log, f"the attack reported nothing within the start-up timeout:\n{log}"
    together = log.split("TOGETHER ")[1].splitlines()[0]
    assert int(together.split()[0]) < Limits().memory_mib, together


@needs_sandbox
def test_the_reference_solutions_are_out_of_reach(graded: Graded) -> None:
    log = graded.server_log("reach_reference")
    assert "REFERENCE" in log, f"the attack reported nothing within the start-up timeout:\n{log}"
    found = log.split("REFERENCE", 1)[1].splitlines()[0]
    assert "No module named 'reference_app'" in found, found
    assert "imported" not in found and "loaded" not in found, found
    assert "maps ['/" not in found, "the editable install's finder was readable"
    assert graded.rows["reach_reference"]["score"] == "0"


@needs_sandbox
def test_the_sandbox_names_no_folder_of_the_grader(graded: Graded) -> None:
    """What the server could see of the host (mount table, command lines, sys.path, the
    environment, a traceback) names none of the grader's folders: not the checkout, the
    venv, the Python install, the teacher's HOME or TMPDIR."""
    log = graded.server_log("show_layout")
    assert "LAYOUT" in log and "mountinfo:" in log and "cmdline 1:" in log
    texts = [log, json.dumps(graded.report("show_layout"))]
    forbidden = [str(REPO), sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"]]
    forbidden += [str(graded.root / name) for name in ("venv", "home", "tmp")]
    for path in forbidden:
        assert not any(path in text for text in texts), f"{path} is named in the outputs"


@needs_sandbox
def test_slow_headers_are_cut_off_by_a_total_deadline(graded: Graded) -> None:
    assert graded.rows["slow_headers"]["status"] == "graded"


@needs_sandbox
def test_off_origin_redirects_fail_with_a_clear_message(graded: Graded) -> None:
    feedback = json.dumps(graded.report("redirect_away"))
    assert "RequestNotRead" not in feedback
    assert "redirect" in feedback and "127.0.0.1:9" in feedback


@needs_sandbox
def test_a_gzip_bomb_is_cut_off_at_the_decompressed_cap(graded: Graded) -> None:
    assert graded.rows["gzip_bomb"]["status"] == "graded"
    assert "MiB" in json.dumps(graded.report("gzip_bomb"))


def test_without_the_sandbox_the_reference_solutions_would_score_100(tmp_path: Path) -> None:
    """The control for reach_reference: with ``--sandbox off`` it finds and serves them."""
    target = tmp_path / "subs" / "reach_reference" / "app.py"
    target.parent.mkdir(parents=True)
    shutil.copy(HOSTILE / "reach_reference.py", target)
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "conformance.cli", "grade", "ex1", str(target)]
    command += ["--report", str(report), "--sandbox", "off", "--startup-timeout", "60"]
    subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=300, check=False)
    results = json.loads(report.read_text())
    assert results["score"] == 100, results["output"][-2000:]
    assert "imported" in results["output"]


def test_protections_that_are_off_are_said(tmp_path: Path) -> None:
    bare = Protections(bwrap=None, root=False, unix_sockets=True)
    text = bare.report()
    assert "OFF" in text and "bubblewrap" in text and "not root" in text
    on_disk = Protections(bwrap="/usr/bin/bwrap", root=True, unix_sockets=True, tmpfs=False)
    assert "/tmp is a folder on your disk" in on_disk.report()
    assert "its mount table shows where Python" in on_disk.report()  # no overlay
    assert "per process only, not per submission" in on_disk.report()  # no cgroup
    if PROTECTIONS.namespaces and PROTECTIONS.root:  # where the full sandbox runs, all of it
        assert PROTECTIONS.tmpfs and PROTECTIONS.overlay and PROTECTIONS.seccomp
        if PROTECTIONS.cgroups is not None:
            assert "all on" in PROTECTIONS.report()
    done = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "grade", "ex1", "nowhere/app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "sandbox:" in done.stderr and "seed:" in done.stderr


@needs_sandbox
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_stopped_grader_leaves_what_it_graded_and_no_server(
    tmp_path: Path, stop: signal.Signals, request: pytest.FixtureRequest
) -> None:
    apps = []
    for name in ("a", "b", "c"):
        target = tmp_path / "subs" / name / "app.py"
        target.parent.mkdir(parents=True)
        shutil.copy(HONEST, target)
        apps.append(str(target))
    grades = tmp_path / "grades.csv"
    command = [sys.executable, "-m", "conformance.cli", "grade", "ex1", *apps, "--jobs", "1"]
    # A SIGKILLed grader leaves its private folders in its TMPDIR: a short one of the test's
    # own (under pytest's long tmp_path the socket path would not fit, and the grader would
    # fall back to /tmp), removed afterwards.
    scratch = Path(tempfile.mkdtemp(prefix="hostile-stop-"))
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    grader = subprocess.Popen(
        [*command, "--csv", str(grades), "--reports", str(tmp_path / "reports")],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the first one is graded
        if grades.is_file() and "graded" in grades.read_text().replace("not graded", ""):
            break
        time.sleep(0.2)
    time.sleep(2)  # the second server is up, its suite running
    grader.send_signal(stop)
    stdout, stderr = grader.communicate(timeout=60)
    if stop == signal.SIGTERM:  # a clean stop: the table, and every server and suite stopped
        assert grader.returncode == 130, stderr[-2000:]
        assert "not graded" in stdout
    else:  # no chance to clean up: the servers and the suite die with it
        time.sleep(3)
        assert not [p for p in _processes_with(str(tmp_path)) if p != grader.pid]
    with grades.open(encoding="utf-8") as rows:
        statuses = [row["status"] for row in csv.DictReader(rows)]
    assert len(statuses) == 3
    assert statuses[0] == "graded" and "not graded" in statuses, statuses
    assert not _survivors(_uids(stderr)), "a server outlived the grader"


def _processes_with(text: str) -> list[int]:
    """Pids whose command line mentions ``text`` (the suite names its report's path)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(os.geteuid() != 0, reason="a uid per job slot needs root")
@pytest.mark.parametrize("root", [True, False], ids=["own-uid", "not-root"])
def test_without_bubblewrap_the_server_still_runs_limited_and_stops(
    tmp_path: Path, root: bool
) -> None:
    import httpx

    from conformance.grader.sandbox.sandbox import unreachable
    from conformance.grader.sandbox.server import StudentServer, resolve

    if root and (reason := unreachable()):  # a checkout in a folder only root may enter
        pytest.skip(f"a job slot's uid cannot start this Python here: {reason}")
    with UidPool(1) as pool:
        uid = pool.uids[0]
        server = StudentServer(
            resolve(str(REPO / "tests" / "misbehaving" / "spy_app.py")),
            tmp_path / "server.log",
            protections=Protections(bwrap=None, root=root, unix_sockets=True),
            limits=Limits(memory_mib=1024),
            uid=uid,
        )
        with server as url:
            seen = httpx.get(url, timeout=10).json()
            status = Path(f"/proc/{seen['pid']}/status").read_text()
            limits = Path(f"/proc/{seen['pid']}/limits").read_text()
            assert server.stage is not None
            assert seen["cwd"] == str(server.stage.app), "a private copy"
        assert not processes_of(uid)
    owner = int(status.split("Uid:")[1].split()[0])
    assert owner == (uid if root else os.getuid())
    assert "Max address space         1073741824" in limits
    assert "GITHUB_TOKEN" not in seen["env"]
    deadline = time.monotonic() + 5
    while Path(f"/proc/{seen['child']}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (
        not Path(f"/proc/{seen['child']}").exists()
        or "Z" in Path(f"/proc/{seen['child']}/stat").read_text().rsplit(")", 1)[1].split()[0:1]
    )


def test_the_uid_pool_lets_its_claims_go_whatever_happens() -> None:
    with pytest.raises(RuntimeError), UidPool(1) as pool:
        claimed = pool.uids[0]
        raise RuntimeError("a failing test")
    with UidPool(1, base=claimed) as again:  # free again at once: no claim was left open
        assert again.uids == [claimed]


class Recording:
    """ASGI middleware: every request and the answer it got, for a replay table."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.records: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages, body = [], b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        replay = iter(messages)
        answer: dict[str, Any] = {"response": b""}

        async def replayed() -> dict[str, Any]:
            return next(replay, {"type": "http.disconnect"})

        async def captured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = [[k.decode(), v.decode()] for k, v in message["headers"]]
            else:
                answer["response"] += message.get("body", b"")
            await send(message)

        await self.app(scope, replayed, captured)
        self.records.append(
            {
                "method": scope["method"],
                "path": scope["path"],
                "query": scope["query_string"].decode(),
                "body": base64.b64encode(body).decode(),
                **answer,
                "response": base64.b64encode(answer["response"]).decode(),
            }
        )


def test_a_replayed_table_scores_only_with_the_seed_it_was_recorded_with(tmp_path: Path) -> None:
    """The Replay attack: a logic-free table of one run's requests, graded in another run."""
    from conformance.grader.job import Options
    from conformance.live import serve

    spec = importlib.util.spec_from_file_location("lecture_ex1_for_replay", HONEST)
    assert spec is not None and spec.loader is not None
    lecture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lecture)
    recording = Recording(lecture.app)
    seed = 424242
    with serve(recording) as url:
        command = Options("ex1", seed=seed).pytest_command(url, tmp_path / "r.json", tmp_path)
        subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=300, check=False)
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 100
    folder = tmp_path / "subs" / "replay"
    shutil.copytree(HOSTILE / "replay_table", folder)
    (folder / "table.json").write_text(json.dumps(recording.records))
    scores = {}
    for run_seed in (seed, seed + 1):
        report = tmp_path / f"replay-{run_seed}.json"
        command = [sys.executable, "-m", "conformance.cli", "grade", "ex1", str(folder / "app.py")]
        command += ["--report", str(report), "--seed", str(run_seed)]
        subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=300, check=False)
        scores[run_seed] = json.loads(report.read_text())["score"]
    assert scores[seed] == 100, "the table replays its own run exactly"
    assert scores[seed + 1] < 100, "a fresh seed asks what the table never saw"


def test_reports_that_cannot_be_written_stop_nothing(tmp_path: Path) -> None:
    """As on a full disk: no report, no log can be written; the class is still gone through."""
    blocked = tmp_path / "reports"
    blocked.write_text("a file where the reports folder should be")
    apps = []
    for name in ("a", "b"):
        target = tmp_path / "subs" / name / "app.py"
        target.parent.mkdir(parents=True)
        shutil.copy(HONEST, target)
        apps.append(str(target))
    command = [sys.executable, "-m", "conformance.cli", "grade", "ex1", *apps, "--jobs", "2"]
    command += ["--reports", str(blocked), "--csv", str(tmp_path / "grades.csv")]
    done = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    with (tmp_path / "grades.csv").open(encoding="utf-8") as grades:
        rows = list(csv.DictReader(grades))
    assert [row["submission"] for row in rows] == ["a", "b"]
    assert all(row["status"] == "the grader failed on this app" for row in rows), rows
