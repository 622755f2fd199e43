"""The README's ``schemathesis run`` line with the lecture's hooks, against real servers.

The command is read from the README itself and run in a subprocess from a scratch folder (so
no schemathesis.toml applies), with only schemathesis' own bounding options added (a few
examples, a fixed seed, no shrinking). Every server is a real uvicorn process on loopback:
the lecture's verbatim code (must pass), the reference apps in the default and the robust
mode (must pass), and a sample of the corpus' broken servers, whose verdict must be the
suite's (non-zero exit, with failures that name the lecture's rule). All runs are made up
front, two at a time, by one module fixture; each test then asserts on its own runs. The
servers are forked from one pre-imported interpreter (``tests/warm_servers.py``), as the
corpus' are.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import corpus_runner
import pytest
from lecture_servers import lecture_server
from reference_fixtures import BIN, REPO
from warm_servers import WarmServers

from conformance.appspec import AppSpec
from conformance.live import Start, serve_process

README_LINE = re.compile(r"^\$ (SCHEMATHESIS_HOOKS=\S+ schemathesis run \S+/openapi\.json)$", re.M)
BOUNDS = ["-n", "3", "--seed", "1", "--no-shrink", "--no-color"]
"""schemathesis' own options that keep a run short: examples per operation, a fixed seed."""
STOP_EARLY = ["--max-failures", "1"]
"""For a broken server: its verdict is known at the first failure."""
TIMEOUT = 240.0

BROKEN_SAMPLE = (
    "ex1/add_result_float", "ex1/add_result_key_sum", "ex1/add_x_optional",
    "ex1/add_validation_400", "ex1/hello_world_typo", "ex1/items_exclude_none",
    "ex1/items_one_based", "ex1/items_overwrite", "ex1/items_post_201", "ex1/user_id_str",
    "ex1/user_name_always_present", "ex1/validation_loc_flattened", "ex1/robust_negative_ids",
    "ex1/user_path_param_renamed", "ex1/items_greater_than_check",
    "ex2/fit_no_intercept", "ex2/plot_before_fit_404", "ex2/predict_ignores_x",
    "ex2/reset_keeps_plot_data", "ex2/root_redirect_redoc", "ex2/coefs_cached_first_fit",
    "ex2/robust_predict_before_fit",
)  # fmt: skip
"""At least 20 broken servers, of every kind: stateless routes, the items list, the model;
two whose mistake only the robust tier catches (met in the robust mode)."""


def readme_command() -> tuple[dict[str, str], list[str]]:
    """The README's console line: its environment variable and its argv."""
    match = README_LINE.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert match, "the README shows no `$ SCHEMATHESIS_HOOKS=... schemathesis run ...` line"
    assignment, *argv = shlex.split(match.group(1))
    name, value = assignment.split("=", 1)
    return {name: value}, argv


@dataclass
class Outcome:
    returncode: int
    output: str
    reports: Path | None = None

    def __str__(self) -> str:
        return f"exit {self.returncode}\n{self.output[-6000:]}"


def run_hooks(
    base_url: str, *extra: str, robust: bool = False, reports: Path | None = None
) -> Outcome:
    """The README's command at ``base_url``, from a scratch folder, bounded by ``BOUNDS``."""
    variables, argv = readme_command()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CONFORMANCE_", "SCHEMATHESIS_"))
    }
    env.update(variables)
    if robust:
        env["CONFORMANCE_ROBUST"] = "1"
    program = str(BIN / argv[0])
    url = argv[-1].replace("http://127.0.0.1:8000", base_url)
    with tempfile.TemporaryDirectory(prefix="hooks-") as scratch:
        done = subprocess.run(
            [program, *argv[1:-1], url, *BOUNDS, *extra],
            cwd=scratch, env=env, capture_output=True, text=True, timeout=TIMEOUT,
        )  # fmt: skip
    return Outcome(done.returncode, done.stdout + done.stderr, reports)


@contextmanager
def corpus_server(server: corpus_runner.Server, start: Start) -> Iterator[str]:
    app = AppSpec(server.path.parent, server.path.stem)
    with serve_process(app, cwd=REPO, start=start) as served:
        yield served.base_url


@contextmanager
def reference_server(exercise: str, start: Start) -> Iterator[str]:
    with serve_process(f"reference_app.{exercise}:app", cwd=REPO, start=start) as served:
        yield served.base_url


def _lecture(name: str, start: Start) -> Outcome:
    with lecture_server(name, start=start) as url:
        return run_hooks(url)


def _reference(exercise: str, robust: bool, start: Start) -> Outcome:
    with reference_server(exercise, start) as url:
        return run_hooks(url, robust=robust)


def _broken(server: corpus_runner.Server, reports: Path, start: Start) -> Outcome:
    robust = server.tier == "robust"
    extra = [*STOP_EARLY]
    if server.exercise == "ex2":  # more stateful scenarios: /plot after /reset, and so on
        extra += ["-n", "10"]
    if server.id == "ex1/add_result_float":  # schemathesis' own reports, and another seed
        extra = ["--report", "junit,har", "--report-dir", str(reports), "--seed", "7"]
    with corpus_server(server, start) as url:
        return run_hooks(url, *extra, robust=robust, reports=reports)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every run of this module, two at a time (servers and schemathesis in parallel)."""
    servers = {s.id: s for s in corpus_runner.discover()}
    reports = tmp_path_factory.mktemp("reports")
    warm = WarmServers(corpus_runner.child_env())
    start = warm.start
    jobs = {
        **{f"lecture/{name}": (_lecture, name) for name in ("ex1", "ex1_items_slash", "ex2")},
        **{
            f"reference/{ex}/{'robust' if robust else 'default'}": (_reference, ex, robust)
            for ex in ("ex1", "ex2")
            for robust in (False, True)
        },
        **{f"corpus/{sid}": (_broken, servers[sid], reports) for sid in BROKEN_SAMPLE},
    }
    try:
        with ThreadPoolExecutor(2) as pool:
            futures = {name: pool.submit(*job, start) for name, job in jobs.items()}
            return {name: future.result() for name, future in futures.items()}
    finally:
        warm.close()


@pytest.mark.parametrize("name", ["ex1", "ex1_items_slash", "ex2"])
def test_lecture_code_passes(outcomes: dict[str, Outcome], name: str) -> None:
    outcome = outcomes[f"lecture/{name}"]
    assert outcome.returncode == 0, outcome
    exercise = name[:3]
    assert f"conformance: the lecture's {exercise}, default" in outcome.output, outcome
    assert re.search(r"\d+ generated, \d+ passed", outcome.output), outcome


@pytest.mark.parametrize("mode", ["default", "robust"])
@pytest.mark.parametrize("exercise", ["ex1", "ex2"])
def test_reference_app_passes(outcomes: dict[str, Outcome], exercise: str, mode: str) -> None:
    outcome = outcomes[f"reference/{exercise}/{mode}"]
    assert outcome.returncode == 0, outcome
    assert f"conformance: the lecture's {exercise}, {mode}" in outcome.output, outcome


@pytest.mark.parametrize("server", BROKEN_SAMPLE)
def test_broken_server_fails_naming_the_rule(outcomes: dict[str, Outcome], server: str) -> None:
    outcome = outcomes[f"corpus/{server}"]
    assert outcome.returncode == 1, outcome
    robust_only = server.split("/")[1].startswith("robust_")
    if not robust_only:  # default mode: schemathesis' own checks are off, only the lecture's
        assert "Lecture rule broken: " in outcome.output, outcome
        assert not re.search(r"ST[1-4]\d\d ", outcome.output), outcome


def test_sample_is_large_and_covers_both_exercises() -> None:
    servers = {s.id: s for s in corpus_runner.discover()}
    assert len(BROKEN_SAMPLE) >= 20
    assert all(servers[sid].broken for sid in BROKEN_SAMPLE)
    assert {sid[:3] for sid in BROKEN_SAMPLE} == {"ex1", "ex2"}


def test_failure_names_rule_request_and_expected_answer(outcomes: dict[str, Outcome]) -> None:
    output = outcomes["corpus/ex1/add_result_float"].output
    assert "Lecture rule broken: add_query_parameters" in output, output
    assert re.search(r"GET http://127\.0\.0\.1:\d+/add\?", output), output
    assert re.search(r'expected 200 \{"result": -?\d+\}', output), output
    assert "differs at $.result: expected integer" in output, output


def test_seed_and_reports_pass_through(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["corpus/ex1/add_result_float"]
    assert "Seed: 7" in outcome.output, outcome
    assert outcome.reports is not None
    junit = list(outcome.reports.glob("*.xml"))
    har = list(outcome.reports.glob("har-*.json"))
    assert junit and har, sorted(p.name for p in outcome.reports.iterdir())
    failures = [
        (failure.get("message") or "") + (failure.text or "")
        for failure in ET.parse(junit[0]).getroot().iter("failure")
    ]
    assert any("Lecture rule broken: add_query_parameters" in text for text in failures), failures
    assert '"entries"' in har[0].read_text(encoding="utf-8")
