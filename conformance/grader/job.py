"""What grading one app is given and gives back, and a class to grade: :class:`Options`,
:class:`Job`, :class:`Result`, :class:`Batch` (shared by ``run``, ``cold``, ``warm`` and the
command)."""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from conformance.grader.sandbox import SUITE_MEMORY_MIB, Limits, Protections
from conformance.grading import reports, rubric
from conformance.grading.scoring import fmt


class Stoppable(Protocol):
    """A running server or suite that an interrupted grader must stop."""

    def stop(self) -> None: ...


SUITE_CONFIG = "[pytest]\n# conformance grade's own, empty config: nothing ambient applies\n"


SHOWN_BASE_URL = "http://127.0.0.1:8000"
"""Where failures tell a graded student to send a request again: their own server, started
as the lecture starts it (``uvicorn app:app --port 8000``)."""


def new_seed() -> int:
    """A fresh seed for one grading run: hypothesis draws every generated input from it."""
    return secrets.randbelow(2**32)


@dataclass(frozen=True)
class Options:
    exercise: str
    rubric: str | None = None
    robust: bool = False
    request_timeout: float = 5.0
    startup_timeout: float = 30.0
    run_timeout: float = 900.0
    seed: int | None = None
    limits: Limits = field(default_factory=Limits)
    protections: Protections | None = None
    suite_memory_mib: int = SUITE_MEMORY_MIB

    def max_score(self) -> float:
        loaded = rubric.load(self.rubric)
        return sum(loaded.possible(self.exercise, tier) for tier in loaded.counted_tiers)

    def pytest_command(self, base_url: str, report: Path, folder: Path) -> list[str]:
        """The suite's command line, run from ``folder`` (private; our config is written there)."""
        # isolated, and no bytecode: pytest would write its rewritten plugins'
        return [sys.executable, "-IB", "-m", "pytest", *self.pytest_args(base_url, report, folder)]

    def pytest_args(self, base_url: str, report: Path, folder: Path) -> list[str]:
        """The arguments of ``pytest``: of :meth:`pytest_command`, and of a warm worker's
        ``pytest.main`` (``warm.py``)."""
        config = folder / "conformance-grade.ini"
        config.write_text(SUITE_CONFIG, encoding="utf-8")
        command = [
            "-c",
            str(config),
            "--rootdir",
            str(folder),
            "--noconftest",
            "--pyargs",
            "conformance",
            "--base-url",
            base_url,
            "--exercise",
            self.exercise,
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile",
            "grading",
            "--grade-report",
            str(report),
            "--request-timeout",
            f"{self.request_timeout:g}",
            # The student reads their own base URL, never the forwarder's temporary port.
            "--shown-base-url",
            SHOWN_BASE_URL,
            # the server was started just now for this run: its starting state counts
            "--fresh-server",
            "-q",
        ]
        if self.seed is not None:
            command += ["--hypothesis-seed", str(self.seed)]
        if self.rubric:
            command += ["--rubric", str(Path(self.rubric).resolve())]
        if self.robust:
            command.append("--robust")
        return command


@dataclass(frozen=True)
class Job:
    """One app to grade: the app as given, the name its report and logs go by, the report's
    path and the folder of its logs."""

    app: str
    name: str
    report: Path
    logs: Path


@dataclass
class Result:
    """One app's outcome: graded (a score), or not (0, and why)."""

    name: str
    app: str
    report: Path
    status: str
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(self.results.get("score", 0.0))

    @property
    def max_score(self) -> float:
        return float(self.results.get("max_score", 0.0))

    def line(self) -> str:
        note = "" if self.status == "graded" else f"  ({self.status})"
        return f"{fmt(self.score)}/{fmt(self.max_score)}{note}"

    @classmethod
    def failed(cls, name: str, app: str, report: Path, message: str, options: Options) -> Result:
        results = reports.gradescope_failure(message, options.max_score())
        record_seed(results, options.seed)
        with contextlib.suppress(OSError):  # a full disk costs this report, not the run
            reports.write_json(report, results)
        status = message.split("\n", 1)[0].split(":", 1)[0]
        return cls(name, app, report, status, results)


def record_seed(results: dict[str, Any], seed: int | None) -> None:
    """The run's seed in the report: ``extra_data.seed`` and a line of its feedback."""
    if seed is None:
        return
    results.setdefault("extra_data", {})["seed"] = seed
    note = f"Grading seed: {seed} (`conformance grade --seed {seed}` regrades with the same inputs)"
    results["output"] = f"{results.get('output', '')}\n\n{note}".strip()


@dataclass(frozen=True)
class Batch:
    """A class to grade: its apps as ``(app, name)`` pairs, the folder of their reports and
    logs, the options, and ``running``: every server and suite alive now, which an
    interrupted grader stops."""

    chosen: Sequence[tuple[str, str]]
    folder: Path
    options: Options
    running: set[Stoppable]

    def report(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def job(self, app: str, name: str) -> Job:
        """Grading ``app`` as ``name``: its report and logs in the batch's folder."""
        return Job(app, name, self.report(name), self.folder)

    def failed(self, app: str, name: str, error: BaseException) -> Result:
        """The result of an app on which the grader itself failed: 0, and why (one
        submission must never stop the others)."""
        message = f"the grader failed on this app: {error!r}"
        return Result.failed(name, app, self.report(name), message, self.options)
