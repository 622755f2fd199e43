"""pytest wiring for the conformance suite: options, markers, fixtures, report lines.

Registered once, by the ``pytest11`` entry point. ``--base-url`` belongs to pytest-base-url.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import httpx
import pytest

from conformance import EXERCISES, expect
from conformance.targets import (
    Target,
    Unreachable,
    detect_exercise,
    embedded,
    in_process,
    load_app,
    remote,
)

MARKERS = {
    "ex1": "a test of the lecture's ex1 (hello, /add, /user/{user_id}, /items)",
    "ex2": "a test of the lecture's ex2 (the model API: /fit, /predict, /coefs, /plot, /reset)",
    "robust": "the robust tier: what the lecture does not promise but a good server does "
    "(opt in with --robust)",
    "slide(title): the lecture slide a test comes from, shown when it fails": "",
}

# The plugin's other parts, each with one job: hypothesis profiles, and grading.
pytest_plugins = ["conformance.profiles", "conformance.grading.plugin", "conformance.oracle_plugin"]

TARGETS = pytest.StashKey["Targets"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "FastAPI lecture conformance")
    group.addoption(
        "--exercise",
        choices=EXERCISES,
        default=os.environ.get("CONFORMANCE_EXERCISE") or None,
        help="the exercise the server implements (env CONFORMANCE_EXERCISE, ini "
        "conformance_exercise). Default: both against the embedded reference apps, or, "
        "with --base-url/--app, detected from the server's /openapi.json.",
    )
    group.addoption(
        "--app",
        metavar="MODULE:ATTR|PATH",
        default=None,
        help="test an ASGI app in this process, with no server: 'module:app', 'path/to/app.py' "
        "or a folder holding app.py. This imports and runs the app's code inside pytest, so "
        "use it only for code you trust (to grade students, use `conformance grade`).",
    )
    group.addoption(
        "--strict-lecture",
        action="store_true",
        default=False,
        help="match the lecture to the letter: no extra keys in 422 error items (url, ctx), "
        "and the ex2 root redirect must be a 307.",
    )
    group.addoption(
        "--robust",
        action="store_true",
        default=False,
        help="also run the robust tier: no 5xx on bad or edge input, failed requests change "
        "no state. The lecture's own code is expected to fail it.",
    )
    group.addoption(
        "--request-timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds to wait for each response (default 5); after 3 time-outs in a row the "
        "server counts as gone and later tests fail at once.",
    )
    parser.addini("conformance_exercise", "the exercise the server implements (ex1 or ex2)")


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}" if description else name)
    expect.configure(strict=config.getoption("strict_lecture"))
    config.stash[TARGETS] = Targets(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    targets = config.stash.get(TARGETS, None)
    if targets is not None:
        targets.close()


def pytest_sessionstart(session: pytest.Session) -> None:
    targets = session.config.stash[TARGETS]
    if targets.app:
        try:
            targets.loaded_app = load_app(targets.app)
        except (ValueError, ImportError, SyntaxError) as error:
            raise pytest.UsageError(f"--app {targets.app}: {error}") from None


def pytest_report_header(config: pytest.Config) -> str:
    return f"conformance: {config.stash[TARGETS].describe()}"


class Targets:
    """The servers under test, created the first time a test needs one."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.base_url: str | None = config.getoption("base_url", None) or None
        self.app: str | None = config.getoption("app")
        self.timeout: float = config.getoption("request_timeout")
        self.exercise: str | None = config.getoption("exercise") or (
            config.getini("conformance_exercise") or None
        )
        self.loaded_app: object = None
        self._targets: dict[str, Target] = {}

    def describe(self) -> str:
        which = self.exercise or ("detected from /openapi.json" if self.external else "ex1, ex2")
        if self.app:
            return f"{which} against {self.app} (in-process)"
        if self.base_url:
            return f"{which} against {self.base_url}"
        return f"{which} against the embedded reference apps"

    @property
    def external(self) -> bool:
        return bool(self.base_url or self.app)

    def get(self, exercise: str) -> Target:
        if exercise not in self._targets:
            if self.app:
                target = in_process(exercise, self.app, self.timeout, self.loaded_app)
            elif self.base_url:
                target = remote(exercise, self.base_url, self.timeout)
            else:
                target = embedded(exercise, self.timeout)
            self._targets[exercise] = target
        return self._targets[exercise]

    def selected(self) -> set[str]:
        """The exercises to run; with an external server, detected when not named."""
        if self.exercise:
            return {self.exercise}
        if not self.external:
            return set(EXERCISES)
        probe = self.get("ex1")
        try:
            self.exercise = detect_exercise(probe.client)
        except Unreachable as error:
            pytest.exit(f"conformance: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
        except LookupError as error:
            pytest.exit(
                f"conformance: could not tell which exercise {probe.base_url} implements: "
                f"{error}.\nName it with --exercise ex1 or --exercise ex2.",
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
        if self.exercise != "ex1":
            self._targets[self.exercise] = self._targets.pop("ex1")
            self._targets[self.exercise].exercise = self.exercise
        return {self.exercise}

    def close(self) -> None:
        for target in self._targets.values():
            target.close()
        self._targets.clear()


def exercise_of(item: pytest.Item) -> str | None:
    for name in EXERCISES:
        if item.get_closest_marker(name) is not None:
            return name
    return None


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    ours = [item for item in items if exercise_of(item)]
    if not ours:
        return
    targets = config.stash[TARGETS]
    detected = targets.external and not targets.exercise
    selected = targets.selected()
    if detected:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            where = targets.base_url or targets.app
            reporter.write_line(f"conformance: {where} serves {targets.exercise}")
    robust = config.getoption("robust")
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        name = exercise_of(item)
        wanted = name is None or (
            name in selected and (robust or item.get_closest_marker("robust") is None)
        )
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def exercise(request: pytest.FixtureRequest) -> str:
    """The exercise (ex1 or ex2) the requesting test belongs to, from its marker."""
    name = exercise_of(request.node)
    if name is None:
        raise pytest.UsageError(f"{request.node.nodeid} has no ex1 or ex2 marker")
    return name


@pytest.fixture
def client(request: pytest.FixtureRequest, exercise: str) -> Iterator[httpx.Client]:
    """An httpx client for the server under test; it follows redirects, like ``requests``."""
    yield request.config.stash[TARGETS].get(exercise).client


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is None or not report.failed:
        return report
    error = call.excinfo.value
    marker = item.get_closest_marker("slide")
    slide = marker.args[0] if marker and marker.args else None
    if isinstance(error, expect.LectureMismatch):
        report.longrepr = error.render(slide)
    elif isinstance(error, httpx.TransportError):
        request = getattr(error, "_request", None)
        where = f"{request.method} {request.url}\n" if request is not None else ""
        report.longrepr = f"{where}{error}"
    return report
