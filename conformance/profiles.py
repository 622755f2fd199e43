"""Hypothesis settings profiles for the suite. Loaded by conformance.plugin.

Three profiles, chosen with hypothesis' own ``--hypothesis-profile`` option:

``conformance-default``
    Used when no profile is named: a few examples per property, so a whole run stays fast.
``grading``
    Derandomised (a fixed seed per test), no deadline, no example database, bounded examples
    and state-machine steps: every student's server gets exactly the same inputs.
``thorough``
    Many more examples and longer state-machine runs, to hunt for the input nobody thought of.

The suite's property tests take their settings from :func:`suite_settings`, never from
hypothesis' global default, so installing this plugin changes nothing for other projects'
hypothesis tests: ``conformance-default`` is never loaded globally.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

DEFAULT = "conformance-default"
GRADING = "grading"
THOROUGH = "thorough"

# The explain phase re-runs a failing example many times to say which parts matter; against a
# server that is slow, and the shrunk request already says it.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)

# Every profile: the suite's properties talk to a server over HTTP, so a slow answer is not a
# failed property (no deadline), and a failure shows one request, the shrunk one, not a group.
_COMMON = settings(deadline=None, report_multiple_bugs=False, print_blob=False)

settings.register_profile(
    DEFAULT,
    _COMMON,
    max_examples=12,
    stateful_step_count=8,
    database=None,
    phases=_PHASES,
)
settings.register_profile(
    GRADING,
    _COMMON,
    derandomize=True,
    max_examples=25,
    stateful_step_count=12,
    database=None,
    phases=_PHASES,
)
settings.register_profile(
    THOROUGH,
    _COMMON,
    max_examples=300,
    stateful_step_count=40,
    database=None,
)

# Every property takes the session's `client` fixture, which is function-scoped in name only:
# it is the same client for the whole session, so reusing it across examples is intended.
_SUPPRESSED = (HealthCheck.function_scoped_fixture, HealthCheck.too_slow)

HYPOTHESIS_DEFAULTS = ("default", "ci")
"""The profiles hypothesis loads by itself when none is named (``ci`` under CI)."""


def named_profile() -> str | None:
    """The profile named with ``--hypothesis-profile`` (hypothesis has loaded it), if any."""
    current = settings.get_current_profile_name()
    return None if current in HYPOTHESIS_DEFAULTS else current


def forced_seed() -> int | None:
    """The seed given with ``--hypothesis-seed`` (what ``conformance grade --seed`` passes), as
    hypothesis' own pytest plugin keeps it."""
    from hypothesis import core

    seed = getattr(core, "global_force_seed", None)
    return None if seed is None else int(seed)


def active_profile() -> str:
    """The profile the suite's properties use: the one named on the command line, else ours."""
    return named_profile() or DEFAULT


def suite_settings(share: float = 1.0) -> settings:
    """Settings for one of the suite's property tests or state machines.

    The profile named with ``--hypothesis-profile`` (hypothesis has loaded it as the global
    default) or, when none was named, ``conformance-default``. ``share`` scales the profile's
    ``max_examples`` for tests whose examples are expensive (state machines, schemathesis).
    """
    current = settings.get_profile(settings.get_current_profile_name())
    parent = settings.get_profile(active_profile())
    suppressed = tuple(dict.fromkeys((*parent.suppress_health_check, *_SUPPRESSED)))
    return settings(
        parent,
        suppress_health_check=suppressed,
        max_examples=max(1, round(parent.max_examples * share)),
        verbosity=current.verbosity,  # --hypothesis-verbosity applies to our default too
        # hypothesis ignores a forced seed for a derandomised test: a seed turns it off, so
        # that the seed drives the inputs (a regrade with the same seed gets the same ones)
        derandomize=parent.derandomize and forced_seed() is None,
    )


def runs_last(test: Any) -> Any:
    """Mark a test that may break a faulty server for good: it runs after every other test."""
    test.conformance_runs_last = True
    return test


def runs_late(test: Any) -> Any:
    """Mark a documented test that leaves the server's state large (a long items list): it runs
    after the other documented tests, before the robust tier."""
    test.conformance_runs_late = True
    return test


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The checks of the server's starting state (marker ``fresh``) run first, before any
    other test sends a request; tests marked :func:`runs_late` after the other documented
    tests; the robust tier after the documented tier, and tests marked :func:`runs_last` after
    everything: a crash they provoke (the lecture's code stores
    a NaN price and then answers 500 to every POST /items) must not spoil the verdict of
    another test."""

    def rank(item: pytest.Item) -> float:
        function = getattr(item, "function", None)
        if item.get_closest_marker("fresh"):
            return -1
        if getattr(function, "conformance_runs_last", False):
            return 2
        if item.get_closest_marker("robust"):
            return 1
        return 0.5 if getattr(function, "conformance_runs_late", False) else 0

    items.sort(key=rank)  # stable: the order within each rank is kept
