"""pytest wiring for the conformance suite: options, markers, fixtures, failure reports.

Registered once, by the ``pytest11`` entry point. ``--base-url`` belongs to pytest-base-url.
In a run that collects none of the suite's tests, the plugin says nothing and does nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from typing import Any

import httpx
import pytest

from conformance import hints, registry
from conformance.expect import LectureMismatch
from conformance.failure import Failure, Sent
from conformance.settings import BLOCKED, EXERCISE, FAILURE, SETTINGS, Settings
from conformance.targets import OtherExercise, Targets, Unreachable

MARKERS = {
    "robust": "the robust tier: what the lecture does not promise but a good server does "
    "(opt in with --robust)",
    "slide(title)": "the lecture slide a test comes from, shown when it fails",
    "fresh": "a check of the server's starting state: runs before every other test",
}

# The plugin's other parts, each with one job: hypothesis profiles, and grading.
pytest_plugins = ["conformance.profiles", "conformance.grading.plugin"]

TARGETS = pytest.StashKey[Targets]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "FastAPI lecture conformance")
    group.addoption(
        "--exercise",
        default=os.environ.get("CONFORMANCE_EXERCISE") or None,
        metavar="NAME",
        help="the exercise the server implements: ex1 or ex2 (env CONFORMANCE_EXERCISE, ini "
        "conformance_exercise). Default: all of them against the embedded reference apps, or, "
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
        help="seconds for each whole request: connect, headers and body (default 5); after 3 "
        "time-outs in a row the server counts as gone and later tests fail at once.",
    )
    group.addoption(
        "--shown-base-url",
        metavar="URL",
        default=None,
        help="the base URL failure messages and curl lines show instead of the one tested "
        "(`conformance grade` shows students their own, http://127.0.0.1:8000, never the "
        "grader's temporary port).",
    )
    group.addoption(
        "--fresh-server",
        action="store_true",
        default=False,
        help="the server was started just before this run and nothing else talks to it (what "
        "`conformance grade` does): a starting state unlike the lecture's (items already in the "
        "list, a model already fitted) is a failure. Without it, such a state is taken for an "
        "earlier run's and its checks are skipped.",
    )
    group.addoption(
        "--audit-checks",
        action="store_true",
        default=False,
        help="for the suite's authors: a test that receives a response no check looked at "
        "errors, naming the request (every answer the suite gets must be judged).",
    )
    parser.addini("conformance_exercise", "the exercise the server implements (ex1 or ex2)")


def pytest_configure(config: pytest.Config) -> None:
    for exercise in registry.exercises():
        config.addinivalue_line("markers", f"{exercise.name}: a test of {exercise.title}")
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    settings = Settings.of(config)
    config.stash[SETTINGS] = settings
    config.stash[TARGETS] = Targets(settings)


def pytest_unconfigure(config: pytest.Config) -> None:
    targets = config.stash.get(TARGETS, None)
    if targets is not None:
        targets.close()


def marked_exercise(item: pytest.Item) -> str | None:
    """The exercise whose marker ``item`` carries (read once, at collection)."""
    for name in registry.names():
        if item.get_closest_marker(name) is not None:
            return name
    return None


def _say(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    ours = False
    for item in items:
        name = marked_exercise(item)
        if name is not None:
            item.stash[EXERCISE] = name
            ours = True
    if not ours:
        return
    settings, targets = config.stash[SETTINGS], config.stash[TARGETS]
    _say(config, f"conformance: {settings.describe()}")
    _say(config, f"conformance: hypothesis profile {_profiles().active_profile()!r}")
    if settings.app:
        targets.load_app()
    try:
        selected = targets.selected()
        if settings.exercise is None and settings.external:
            _say(config, f"conformance: {settings.base_url or settings.app} serves {selected[0]}")
        targets.check_reachable(selected[0])
    except (Unreachable, OtherExercise) as error:
        stop(config, items, str(error))
    except LookupError as error:
        stop(
            config,
            items,
            f"could not tell which exercise {settings.base_url or settings.app} implements: "
            f"{error}.\nName it with --exercise " + " or --exercise ".join(registry.names()),
        )
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        name = item.stash.get(EXERCISE, None)
        wanted = name is None or (
            name in selected and (settings.robust or item.get_closest_marker("robust") is None)
        )
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    # Sections for exercises named or detected appear even when none of their tests ran.
    shown = selected if settings.exercise or settings.external else ()
    _grading().start(config, [i for i in keep if EXERCISE in i.stash], shown)


def _grading() -> Any:
    """The grading part of the plugin (loaded by ``pytest_plugins``, so imported here late)."""
    from conformance.grading import plugin

    return plugin


def _profiles() -> Any:
    """The hypothesis profiles part of the plugin (loaded by ``pytest_plugins``)."""
    from conformance import profiles

    return profiles


def stop(config: pytest.Config, items: list[pytest.Item], reason: str) -> None:
    """End the run before any test, with one sentence; the grading reports still say 0."""
    settings = config.stash[SETTINGS]
    exercises = (settings.exercise,) if settings.exercise else registry.names()
    _grading().start(config, [], exercises, reason=reason)
    pytest.exit(f"conformance: {reason}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture
def conformance_settings(request: pytest.FixtureRequest) -> Settings:
    """The run's settings (``--exercise``, ``--strict-lecture``, ``--robust``...)."""
    return request.config.stash[SETTINGS]


@pytest.fixture
def exercise(request: pytest.FixtureRequest) -> str:
    """The exercise (ex1, ex2...) the requesting test belongs to, from its marker."""
    name: str | None = request.node.stash.get(EXERCISE, None)
    if name is None:
        raise pytest.UsageError(f"{request.node.nodeid} has no exercise marker")
    return name


@pytest.fixture
def client(
    request: pytest.FixtureRequest, base_url: str | None, exercise: str
) -> Iterator[httpx.Client]:
    """An httpx client for the server under test (pytest-base-url's ``base_url``, the
    embedded reference app, or ``--app``); it follows redirects within the server, like
    ``requests``, and remembers what this test sent."""
    target = request.config.stash[TARGETS].get(exercise, base_url)
    target.transport.new_test()
    yield target.client
    # The rules this test judged travel with its reports (to xdist's controller too).
    request.node.user_properties.append(("rules", sorted(target.transport.assessed)))
    request.node.user_properties.append(("verified", sorted(target.transport.verified)))
    if request.config.stash[SETTINGS].audit:
        unjudged = target.transport.unjudged()
        if unjudged:
            lines = "\n".join(f"  {sent.line()}" for sent in unjudged)
            pytest.fail(f"answers no check looked at:\n{lines}", pytrace=False)


@pytest.fixture
def new_client(
    request: pytest.FixtureRequest, base_url: str | None, exercise: str
) -> Iterator[Callable[[], httpx.Client]]:
    """Makes more clients for the server under test, each like a new ``requests`` call of the
    lecture's: its own connection, no cookies. They are closed after the test."""
    target = request.config.stash[TARGETS].get(exercise, base_url)
    made: list[httpx.Client] = []

    def make() -> httpx.Client:
        made.append(target.new_client())
        return made[-1]

    yield make
    for client in made:
        client.close()


def behind(error: BaseException) -> Iterator[BaseException]:
    """``error``, then every error behind it, nearest first, each once: hypothesis may wrap
    the suite's own error (a flaky or multiple-failure report, an exception group) or raise
    another while handling it."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo += list(current.exceptions)
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def underlying(error: BaseException) -> BaseException:
    """The suite's own error behind ``error`` (a mismatch, or a request with no answer)."""
    own = (e for e in behind(error) if isinstance(e, LectureMismatch | httpx.TransportError))
    return next(own, error)


def failure_of(item: pytest.Item, raised: BaseException) -> Failure | None:
    """The failure as data: a check's mismatch, or a request that got no answer."""
    error = underlying(raised)
    marker = item.get_closest_marker("slide")
    slide = str(marker.args[0]) if marker and marker.args else None
    notes = [
        str(note)
        for note in (*getattr(raised, "__notes__", ()), *getattr(error, "__notes__", ()))
        # hypothesis' own header line repeats nothing the request does not show
        if note and not str(note).startswith(("Failing test case:", "Falsifying example:"))
    ]
    notes = list(dict.fromkeys(notes))
    if isinstance(error, LectureMismatch):
        return error.failure.with_context(slide=slide, notes=notes)
    if isinstance(error, httpx.TransportError):
        try:
            request: httpx.Request | None = error.request
        except RuntimeError:
            request = None
        where = f"the connection: {error}"
        return Failure(
            expected="an answer from the server",
            got="no answer",
            where=where,
            request=Sent.of(request) if request is not None else None,
            slide=slide,
            notes=tuple(notes),
            kind=hints.kind(where),
            hint=hints.hint("", where, "no answer", "an answer from the server"),
        )
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is None or EXERCISE not in item.stash:
        return report
    if report.skipped:
        blocked = blocked_by(call.excinfo.value)
        if blocked is not None:
            setattr(report, BLOCKED, blocked)  # a plain string: it travels with xdist too
        return report
    if not report.failed:
        return report
    failure = failure_of(item, call.excinfo.value)
    if failure is not None:
        settings = item.config.stash[SETTINGS]
        if settings.shown_base_url and settings.base_url:
            failure = failure.shown_at(settings.base_url.rstrip("/"), settings.shown_base_url)
        local = not settings.graded
        report.longrepr = failure.render(local=local)
        setattr(report, FAILURE, failure.as_dict(local=local))  # JSON-ready, for xdist too
    return report


def blocked_by(raised: BaseException) -> str | None:
    """The rule whose set-up request failed, when a test was blocked (see prerequisite)."""
    from conformance.prerequisite import Blocked

    return next((e.blocked_by for e in behind(raised) if isinstance(e, Blocked)), None)
