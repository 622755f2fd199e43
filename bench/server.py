"""Serve one app with uvicorn on 127.0.0.1 for the bench: ``python -m bench.server SPEC PORT``.

``SPEC`` is ``module:attr`` (``reference_app.ex1:app``), ``module:factory()`` (an app factory,
called: ``reference_app.ex1:create_app()``) or a path to a file holding ``app``
(``tests/lecture/ex1_app.py``). With ``--record`` the app is wrapped in
:class:`bench.recorder.Recorder`, which counts and records requests. Nothing else is imported,
so the process's memory is the app's plus uvicorn's.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parent.parent


def load(spec: str) -> Any:
    """The ASGI app named by ``spec``: ``module:attr`` or ``path/to/file.py``."""
    if spec.endswith(".py"):
        path = Path(spec).resolve()
        sys.path.insert(0, str(path.parent))
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise SystemExit(f"cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
        return module.app
    module_name, _, attr = spec.partition(":")
    sys.path.insert(0, str(ROOT))
    factory = attr.endswith("()")
    found = getattr(importlib.import_module(module_name), attr.removesuffix("()") or "app")
    return found() if factory else found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec")
    parser.add_argument("port", type=int)
    parser.add_argument("--record", action="store_true", help="count and record requests")
    args = parser.parse_args()
    app = load(args.spec)
    if args.record:
        from bench.recorder import Recorder

        app = Recorder(app)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
