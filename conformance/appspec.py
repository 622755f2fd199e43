"""Where a student's app is: one parser for every place that takes an app string.

``--app`` (in-process, trusted code) and ``conformance grade`` (a server in its own process)
both take the same three forms, by the same rules:

* ``path/to/app.py`` or ``path/to/app.py:attr``: a file, and the attribute holding the app;
* ``path/to/folder`` or ``path/to/folder:attr``: a folder holding ``app.py``;
* ``module`` or ``module:attr``: a module importable from the current folder.

The attribute defaults to ``app``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class AppSpec:
    """An app as uvicorn names it: the folder to run in, ``module:attr`` there."""

    folder: Path
    module: str
    attr: str = "app"
    alone: bool = False
    """A file not named app.py: the grader copies only that file, never its neighbours (a
    flat folder of submissions, ``subs/alice.py``, ``subs/bob.py``)."""

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attr}"

    @property
    def file(self) -> Path | None:
        """The module's file, when it is a plain ``.py`` file in ``folder``."""
        candidate = self.folder / f"{self.module}.py"
        return candidate if candidate.is_file() else None


def _split(spec: str) -> tuple[str, str]:
    """``"a/b.py:app"`` -> ``("a/b.py", "app")``; a drive letter's colon is not a separator."""
    head, sep, attr = spec.rpartition(":")
    if not sep or not attr.isidentifier() or (len(head) == 1 and head.isalpha()):
        return spec, "app"
    return head, attr


def resolve(spec: str) -> AppSpec:
    """Parse ``spec``; a clear ``ValueError`` for anything that names no app."""
    where, attr = _split(spec)
    path = Path(where)
    if path.is_dir():
        if not (path / "app.py").is_file():
            raise ValueError(f"{spec}: the folder holds no app.py")
        return AppSpec(path.resolve(), "app", attr)
    if path.suffix == ".py":
        if not path.is_file():
            raise ValueError(f"{spec}: no such file")
        if not path.stem.isidentifier():
            raise ValueError(f"{spec}: {path.name} is not a name Python can import")
        return AppSpec(path.resolve().parent, path.stem, attr, alone=path.stem != "app")
    if "/" in where or "\\" in where:
        raise ValueError(f"{spec}: no such file or folder")
    if not all(part.isidentifier() for part in where.split(".")):
        raise ValueError(f"{spec}: not a file, a folder or module:attr")
    return AppSpec(Path.cwd(), where, attr)


def load(spec: AppSpec) -> Any:
    """Import the app in this process (``--app``: trusted code only) and return it."""
    sys.path.insert(0, str(spec.folder))
    file = spec.file
    if file is not None:
        name = f"_conformance_app_{spec.module}"
        module_spec = importlib.util.spec_from_file_location(name, file)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"cannot import {file}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(spec.module)
    try:
        return getattr(module, spec.attr)
    except AttributeError:
        raise ValueError(
            f"{spec.target} in {spec.folder}: the module has no {spec.attr!r}"
        ) from None
