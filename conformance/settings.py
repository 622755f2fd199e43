"""The run's settings, read once from the command line, the environment and the ini file.

They live in ``config.stash`` and reach the code through fixtures (``conformance_settings``,
and the ``client``, whose transport carries ``strict``), never through module globals.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conformance import registry


@dataclass(frozen=True)
class Settings:
    exercise: str | None
    """The exercise named with --exercise (env, ini); None: all, or detected."""
    base_url: str | None
    """pytest-base-url's --base-url (env, ini), read for detection and the header only: the
    tests reach the server through the ``base_url`` fixture."""
    app: str | None
    strict: bool
    robust: bool
    timeout: float
    audit: bool = False
    """``--audit-checks``: a response no check looked at is an error (for the suite's authors)."""
    shown_base_url: str | None = None
    """``--shown-base-url``: the base URL failures show in place of ``base_url``."""
    graded: bool = False
    """A grading run (a report for Gradescope or Classroom): failures name no local file."""
    fresh: bool = False
    """``--fresh-server``: the server was started for this run, so its starting state counts."""

    @classmethod
    def of(cls, config: pytest.Config) -> Settings:
        exercise = config.getoption("exercise") or config.getini("conformance_exercise") or None
        if exercise is not None and exercise not in registry.names():
            known = ", ".join(registry.names())
            raise pytest.UsageError(f"--exercise {exercise}: no such exercise (known: {known})")
        return cls(
            exercise=exercise,
            base_url=config.getoption("base_url", None) or None,
            app=config.getoption("app"),
            strict=bool(config.getoption("strict_lecture")),
            robust=bool(config.getoption("robust")),
            timeout=float(config.getoption("request_timeout")),
            audit=bool(config.getoption("audit_checks")),
            shown_base_url=(config.getoption("shown_base_url") or "").rstrip("/") or None,
            graded=bool(
                config.getoption("grade_report", None) or config.getoption("classroom_report", None)
            ),
            fresh=bool(config.getoption("fresh_server")),
        )

    @property
    def external(self) -> bool:
        return bool(self.base_url or self.app)

    @property
    def known_fresh(self) -> bool:
        """Whether the server's starting state is known to be untouched: ``--fresh-server``,
        or a server the suite starts (the embedded reference app) or loads itself (``--app``)."""
        return self.fresh or not self.base_url

    def describe(self) -> str:
        which = self.exercise or (
            "detected from /openapi.json" if self.external else ", ".join(registry.names())
        )
        if self.app:
            return f"{which} against {self.app} (in-process)"
        if self.base_url and self.fresh:
            return f"{which} against {self.base_url} (started for this run)"
        if self.base_url:
            return (
                f"{which} against {self.base_url} (assumed just started: the first checks "
                "replay the lecture from its starting state)"
            )
        return f"{which} against the embedded reference apps"


SETTINGS = pytest.StashKey[Settings]()

EXERCISE = pytest.StashKey[str]()
"""On each of the suite's test items: the exercise it belongs to (from its marker, read once)."""

FAILURE = "conformance_failure"
"""The attribute of a failed test's report that holds its failure as data
(``Failure.as_dict``): what the grader and the reports read, never the rendered text."""

BLOCKED = "conformance_blocked"
"""The attribute of a skipped test's report naming the rule that blocked it (a set-up request
that failed, see ``conformance.prerequisite``)."""
