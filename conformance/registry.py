"""The exercises: one registry says what exists, and every other part iterates over it.

An exercise is declared once, in its cases module (``conformance/cases/ex1.py`` holds
``EXERCISE = lecture_exercise("ex1", ...)``): its name and marker text, the paths that identify
it in a server's /openapi.json, its documented cases, its operations, parameters and body models,
its reference app, its default rubric table and what the schemathesis hooks need beyond those
(its custom checks, how its state is followed). The plugin, the targets, the generic suite
modules, grading, ``conformance serve``, the schemathesis hooks, the bench and the project's
tests all read it here.

Adding an exercise is adding its cases module, its reference app and its rubric table; a
plugin of one's own may also :func:`register` one (the project's tests do, with a tiny app).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.cases import Call, Case
    from conformance.exercise_hooks import ExerciseHooks
    from conformance.openapi import Body, Param


@dataclass(frozen=True)
class Operation:
    """An operation the lecture's code declares: its method and the paths that count for it."""

    method: str
    paths: tuple[str, ...]
    aspects: tuple[str, ...] = ("refusal", "shape", "values")
    """What its answers are judged on, each a rule of its own (see :mod:`conformance.rules`):
    ``refusal``, ``media``, ``shape``, ``values``."""
    sentences: tuple[tuple[str, str], ...] = ()
    """(aspect, what the lecture says of it): a rule's own sentence, where the generic one
    (``answers the lecture's values``) says too little."""
    changes_state: bool = False
    """Whether a request to it changes what the server holds (``POST /items``, ``/fit``,
    ``/reset``): the answers before the first such request are the server's start-up state."""
    resets_state: bool = False
    """Whether a request to it brings back the start-up state (``/reset``): what was sent
    before it no longer matters to what the server answers."""

    @property
    def rules(self) -> dict[str, str]:
        return dict(self.sentences)

    @property
    def label(self) -> str:
        """``"POST /items"``: how tests, ids and failures name it."""
        return f"{self.method} {self.paths[0]}"


@dataclass(frozen=True)
class Picture:
    """An endpoint that draws the exercise's state (ex2's ``/plot``), shown on the class pages
    beside the reference app's picture of the same state."""

    setup: tuple[Call, ...]
    """The requests that make the state it draws (sent to the student's server and the
    reference app alike)."""
    path: str
    """The GET path of the picture."""
    title: str
    """What it shows, as the pages say it."""


@dataclass(frozen=True)
class Exercise:
    """Everything the suite knows about one exercise of the lecture."""

    name: str
    """``ex1``: the marker, the ``--exercise`` value, the rubric's table name."""
    title: str
    """What the exercise is, as the marker's description and the report header say it."""
    app: str
    """The reference app's factory, as ``module:function`` (called with no arguments)."""
    cases: tuple[Case, ...]
    """The lecture's transcripts for it, in lecture order."""
    operations: tuple[Operation, ...]
    """The operations its /openapi.json must declare (also what schemathesis exercises)."""
    parameters: tuple[Param, ...] = ()
    bodies: tuple[Body, ...] = ()
    signature_paths: frozenset[str] = frozenset()
    """Paths that tell this exercise apart in a server's /openapi.json (default: those of its
    operations)."""
    rubric: Path | None = None
    """Its default rubric table (default: ``conformance/grading/rubrics/<name>.toml``)."""
    domain: Any = None
    """The inputs on which the lecture's code answers without crashing, per operation."""
    picture: Picture | None = None
    """An endpoint that draws a picture, if the exercise has one."""
    hooks: ExerciseHooks | None = None
    """What the schemathesis hooks know of it: its custom checks, how the server's state
    follows from its answers, how requests are kept in its domain, what is added to its
    /openapi.json (``conformance/exercise_hooks/<name>.py``; None: no checks of its own)."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    """Anything else an exercise's own suite modules want to share with the registry."""

    @property
    def signature(self) -> frozenset[str]:
        if self.signature_paths:
            return self.signature_paths
        return frozenset(path for op in self.operations for path in op.paths)

    @property
    def rubric_table(self) -> Path:
        if self.rubric is not None:
            return self.rubric
        folder = resources.files("conformance.grading").joinpath("rubrics")
        return Path(str(folder.joinpath(f"{self.name}.toml")))

    def create_app(self) -> Any:
        """A fresh instance of the reference app (its own, empty state)."""
        module_name, _, attr = self.app.partition(":")
        factory: Callable[[], Any] = getattr(importlib.import_module(module_name), attr)
        return factory()


def lecture_exercise(
    name: str,
    title: str,
    *,
    cases: Iterable[Case],
    operations: Iterable[Operation],
    parameters: Iterable[Param] = (),
    bodies: Iterable[Body] = (),
    **entry: Any,
) -> Exercise:
    """The registry entry of one of the lecture's exercises, its tables as its cases module
    keeps them, and the parts every exercise keeps in the same places found by its name: the
    reference app ``reference_app/<name>.py`` (``create_app``), and where they exist its input
    domain ``conformance/domain/<name>.py`` (``OPERATIONS``) and its schemathesis hooks
    ``conformance/exercise_hooks/<name>.py`` (``HOOKS``). ``entry``: any other field."""
    domain = _part("conformance.domain", name)
    hooks = _part("conformance.exercise_hooks", name)
    return Exercise(
        name,
        title,
        app=f"reference_app.{name}:create_app",
        cases=tuple(cases),
        operations=tuple(operations),
        parameters=tuple(parameters),
        bodies=tuple(bodies),
        domain=None if domain is None else domain.OPERATIONS,
        hooks=None if hooks is None else hooks.HOOKS,
        **entry,
    )


def _part(package: str, name: str) -> Any:
    """The module ``<package>.<name>``, or None where the exercise has none."""
    try:
        return importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{package}.{name}":
            raise  # the module is there, and something it imports is not
        return None


class Registry:
    """The registered exercises, in registration order; the built-in ones load on first use."""

    def __init__(self) -> None:
        self._exercises: dict[str, Exercise] = {}
        self._loaded = False

    def _load_builtin(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        import conformance.cases as package

        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            exercise = getattr(module, "EXERCISE", None)
            if isinstance(exercise, Exercise) and exercise.name not in self._exercises:
                self._exercises[exercise.name] = exercise

    def register(self, exercise: Exercise) -> Exercise:
        """Add an exercise (or replace one of the same name); return it."""
        self._load_builtin()
        self._exercises[exercise.name] = exercise
        return exercise

    def unregister(self, name: str) -> None:
        self._exercises.pop(name, None)

    def all(self) -> tuple[Exercise, ...]:
        self._load_builtin()
        return tuple(self._exercises.values())

    def names(self) -> tuple[str, ...]:
        return tuple(exercise.name for exercise in self.all())

    def get(self, name: str) -> Exercise:
        self._load_builtin()
        try:
            return self._exercises[name]
        except KeyError:
            known = ", ".join(self._exercises) or "none"
            raise LookupError(f"no exercise {name!r} (known: {known})") from None


def detect(paths: set[str]) -> str | None:
    """The exercise whose signature paths these paths share most (ties and none: None)."""
    scores = {ex.name: len(paths & ex.signature) for ex in REGISTRY.all()}
    if not scores:
        return None
    best = max(scores, key=lambda name: scores[name])
    if scores[best] == 0 or list(scores.values()).count(scores[best]) > 1:
        return None
    return best


REGISTRY = Registry()
"""The one registry. Its contents are what the lecture defines, not run settings."""

register = REGISTRY.register
exercises = REGISTRY.all
names = REGISTRY.names
get = REGISTRY.get
