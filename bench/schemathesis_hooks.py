"""(f) ``schemathesis run`` with the lecture's hooks over the corpus: verdicts and time.

    python -m bench.schemathesis_hooks [--max-examples 10] [--jobs 2] [--only ex2/] [--suite]

Every corpus server (tests/corpus) is served with uvicorn on loopback and met by the README's
command, run from a scratch folder (so no schemathesis.toml applies)::

    SCHEMATHESIS_HOOKS=conformance.schemathesis_hooks schemathesis run URL/openapi.json

with ``-n`` and ``--seed 1`` added, and ``CONFORMANCE_ROBUST=1`` for servers whose mistake the
suite's robust tier catches. Its verdict (exit code 0 or not) is compared with the one the
suite must give: a correct server passes, a broken one fails (its header says so). With
``--suite`` the suite itself is timed on every server too (as tests/test_corpus.py runs it),
for the time per server of one against the other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from conformance.appspec import AppSpec
from conformance.live import NotServing, serve_process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import corpus_runner  # noqa: E402  (tests/corpus_runner.py: the corpus and its headers)

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
HOOKS = "conformance.schemathesis_hooks"
TIMEOUT = 300.0


@dataclass
class Verdict:
    server: str
    verdict: str
    tier: str
    robust: bool
    returncode: int | None
    seconds: float
    startup: float
    failures: list[str]
    suite_seconds: float | None = None
    error: str | None = None

    @property
    def agrees(self) -> bool:
        if self.returncode is None:
            return False
        broken = self.verdict == "broken"
        return (self.returncode != 0) == broken


def command(base_url: str, max_examples: int, seed: int = 1) -> list[str]:
    """The README's command, with a bounded example count and a fixed seed."""
    return [SCHEMATHESIS, "run", f"{base_url}/openapi.json", "-n", str(max_examples),
            "--seed", str(seed), "--no-color"]  # fmt: skip


def hooks_env(robust: bool) -> dict[str, str]:
    env = corpus_runner.child_env()
    env["SCHEMATHESIS_HOOKS"] = HOOKS
    env.pop("CONFORMANCE_ROBUST", None)
    if robust:
        env["CONFORMANCE_ROBUST"] = "1"
    return env


def failure_titles(output: str) -> list[str]:
    """The failure kinds schemathesis' summary lists ("ST901 Lecture rule broken: ...")."""
    lines = output.split("Failures:", 1)[1].splitlines() if "Failures:" in output else []
    titles = []
    for line in lines[1:]:
        line = line.strip()
        if not line.startswith("❌"):
            break
        titles.append(line.lstrip("❌ ").strip())
    return titles


def judge(server: corpus_runner.Server, max_examples: int, with_suite: bool) -> Verdict:
    robust = server.tier == "robust"
    with tempfile.TemporaryDirectory(prefix="hooks-bench-") as scratch:
        work = Path(scratch)
        app = AppSpec(server.path.parent, server.path.stem)
        try:
            with serve_process(app, cwd=work, env=corpus_runner.child_env()) as served:
                started = time.monotonic()
                done = subprocess.run(
                    command(served.base_url, max_examples), cwd=work, env=hooks_env(robust),
                    capture_output=True, text=True, timeout=TIMEOUT,
                )  # fmt: skip
                seconds = time.monotonic() - started
                startup = served.startup_seconds
        except NotServing as error:
            return Verdict(server.id, server.verdict, server.tier, robust, None, 0, 0, [],
                           error=str(error))  # fmt: skip
    verdict = Verdict(server.id, server.verdict, server.tier, robust, done.returncode, seconds,
                      startup, failure_titles(done.stdout))  # fmt: skip
    if with_suite:
        extra = ["--hypothesis-profile", "grading", *(["--robust"] if robust else [])]
        run = corpus_runner.run_server(server, extra)
        verdict.suite_seconds = run.suite_seconds
    return verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", "-n", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="", help="servers whose id contains this")
    parser.add_argument("--suite", action="store_true", help="time the suite on each too")
    parser.add_argument("--json", type=Path, help="write every verdict here")
    args = parser.parse_args()
    servers = [s for s in corpus_runner.discover() if args.only in s.id]
    started = time.monotonic()
    with ThreadPoolExecutor(args.jobs) as pool:
        verdicts = list(pool.map(lambda s: judge(s, args.max_examples, args.suite), servers))
    wall = time.monotonic() - started
    for v in verdicts:
        mark = "ok  " if v.agrees else "DIFF"
        suite = f" suite {v.suite_seconds:5.1f}s" if v.suite_seconds is not None else ""
        print(f"{mark} {v.server:45} {v.verdict:7} rc={v.returncode} {v.seconds:5.1f}s{suite} "
              f"{'; '.join(v.failures)[:150]}{v.error or ''}")  # fmt: skip
    print(summary(verdicts, wall))
    if args.json:
        args.json.write_text(json.dumps([asdict(v) for v in verdicts], indent=1))


def summary(verdicts: list[Verdict], wall: float) -> str:
    rows = ["| servers | verdict the suite gives | agreeing | mean s per server (hooks) | "
            "mean s per server (suite) |", "|---|---|---:|---:|---:|"]  # fmt: skip
    groups = {
        "broken (default mode)": [v for v in verdicts if v.verdict == "broken" and not v.robust],
        "broken (robust mode)": [v for v in verdicts if v.verdict == "broken" and v.robust],
        "correct (default mode)": [v for v in verdicts if v.verdict == "correct"],
    }
    for name, group in groups.items():
        if not group:
            continue
        wanted = "passes" if name.startswith("correct") else "fails"
        agree = sum(v.agrees for v in group)
        hooks = sum(v.seconds for v in group) / len(group)
        timed = [v.suite_seconds for v in group if v.suite_seconds is not None]
        suite = f"{sum(timed) / len(timed):.1f}" if timed else "-"
        rows.append(f"| {name}: {len(group)} | {wanted} | {agree} | {hooks:.1f} | {suite} |")
    rows.append(f"\nwall time {wall:.0f} s for {len(verdicts)} servers")
    return "\n".join(rows)


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    main()
