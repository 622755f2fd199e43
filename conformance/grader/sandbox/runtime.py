"""The Python a student's server finds in the sandbox: only the lecture's stack, at neutral paths.

The server runs the grader's own interpreter, but it sees it as ``/opt/python`` (the install:
interpreter and standard library, its own site-packages and scripts hidden) and
``/opt/venv``, a virtual environment of its own whose site-packages shows only
:data:`STACK` and what it requires: never this grader's package, the reference apps, the
editable install's finder that points into the checkout, or any other tool of the venv. A
Python installed with the system (``/usr``) is seen where it is, with the system.

Each folder is a :class:`Layer`: host folders, and the relative paths of them that are shown
(public names: the standard library's, the stack's packages). The sandbox shows a layer as a
read-only overlay mount whose other entries the launcher whites out
(:mod:`conformance.grader.sandbox.box`), so that no host path appears in the server's mount table;
where the OS cannot (no root), it binds each shown path instead, at the same neutral place.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import re
import site
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement

STACK = (
    "fastapi",
    "uvicorn[standard]",
    "pydantic",
    "starlette",
    "numpy",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "pillow",
)
"""What a student's server may import besides the standard library: the lecture's stack (its
slides import fastapi, pydantic, numpy, sklearn and matplotlib; uvicorn serves them; pillow
draws matplotlib's PNGs), with everything each requires, where installed."""

INSIDE_PYTHON = "/opt/python"
INSIDE_VENV = "/opt/venv"
VERSION = f"python{sys.version_info[0]}.{sys.version_info[1]}"
INTERPRETERS = {VERSION, f"python{sys.version_info[0]}", "python"}
SYSTEM = ("/usr",)
"""Folders the sandbox shows whole, with the system's programs: a layer there is not moved."""


@dataclass(frozen=True)
class Layer:
    """A read-only folder of the sandbox (``inside``) made of host folders (``sources``, the
    first wins on a clash) that shows only ``shown``: relative paths, each shown whole, and
    the folders above them (which show nothing else)."""

    inside: str
    sources: tuple[Path, ...]
    shown: tuple[str, ...]

    def source_of(self, relative: str) -> Path | None:
        """The host folder ``relative`` is shown from (None: in no source)."""
        for source in self.sources:
            path = source / relative
            if path.exists() or path.is_symlink():
                return source
        return None


@dataclass(frozen=True)
class Runtime:
    """The Python a sandboxed server runs: its layers, its interpreter inside, what of the
    system folders to cover (the grader's package or other site-packages installed there)."""

    python: Layer | None
    """``/opt/python``; None when the install is under a system folder, shown as it is."""
    site: Layer
    base_executable: str
    """The interpreter inside the sandbox: ``/opt/python/bin/python3.X`` or the system's."""
    library_path: str | None
    """``LD_LIBRARY_PATH`` inside, where the interpreter's libpython is (if in its install)."""
    covered: tuple[Path, ...] = field(default=())

    @property
    def executable(self) -> str:
        return f"{INSIDE_VENV}/bin/python"

    @property
    def site_inside(self) -> str:
        return self.site.inside

    def pyvenv_cfg(self) -> str:
        home = str(Path(self.base_executable).parent)
        return f"home = {home}\ninclude-system-site-packages = false\nversion = {_version()}\n"

    def layers(self) -> list[Layer]:
        return [layer for layer in (self.python, self.site) if layer is not None]


def _version() -> str:
    return ".".join(str(part) for part in sys.version_info[:3])


def _is_system(path: Path) -> bool:
    return any(path == Path(top) or Path(top) in path.parents for top in SYSTEM)


@functools.cache
def plan() -> Runtime:
    """The runtime of this grader's interpreter (worked out once per process)."""
    base = Path(sys.base_prefix).resolve()
    interpreter = base / "bin" / VERSION
    if not interpreter.is_file():
        interpreter = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    base_sites = [Path(p).resolve() for p in site.getsitepackages([sys.base_prefix])]
    allowed = _distributions()
    site_layer = _site_layer(allowed)
    covered = {p for p in [*base_sites, *site_layer.sources] if _is_system(p) and p.is_dir()}
    covered |= _grader_packages()
    if _is_system(base):
        return Runtime(None, site_layer, str(interpreter), None, tuple(sorted(covered)))
    python = Layer(INSIDE_PYTHON, (base,), tuple(_install(base, base_sites)))
    inside = f"{INSIDE_PYTHON}/{interpreter.relative_to(base)}"
    libraries = list((base / "lib").glob("libpython*.so*"))
    library_path = f"{INSIDE_PYTHON}/lib" if libraries else None
    return Runtime(python, site_layer, inside, library_path, tuple(sorted(covered)))


def _install(base: Path, sites: list[Path]) -> list[str]:
    """What of a Python install at ``base`` a server sees: the interpreter, its headers and
    shared libraries, and its standard library; not its site-packages (other tools, maybe
    this grader), its other programs or pkg-config files (whose text names ``base``)."""
    shown = [f"bin/{p.name}" for p in (base / "bin").iterdir() if p.name in INTERPRETERS]
    shown += ["include"] if (base / "include").is_dir() else []
    shown += [f"lib/{p.name}" for p in (base / "lib").glob("libpython*")]
    stdlib = base / "lib" / VERSION
    shown += [f"lib/{VERSION}/{p.name}" for p in stdlib.iterdir() if p not in sites]
    return sorted(shown)


def _grader_packages() -> set[Path]:
    """This project's packages where a system folder would show them (a ``pip install .``
    into /usr/local): the sandbox covers them."""
    found = set()
    for name in ("conformance", "reference_app"):
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            if _is_system(Path(location)):
                found.add(Path(location))
    return found


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _distributions() -> dict[str, importlib.metadata.Distribution]:
    """:data:`STACK` and everything it requires (with the extras asked for), where installed."""
    installed: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions():  # sys.path order: the first one wins
        # the name from the folder's, when it has one: parsing every METADATA takes long
        name = getattr(dist, "_normalized_name", None) or dist.metadata["Name"] or ""
        installed.setdefault(_key(name), dist)
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = [Requirement(spec) for spec in STACK]
    asked: set[tuple[str, str]] = set()
    while todo:
        requirement = todo.pop()
        key = _key(requirement.name)
        extras = sorted(requirement.extras) or [""]
        if key not in installed or all((key, extra) in asked for extra in extras):
            continue  # not installed here (an optional extra), or done already
        asked |= {(key, extra) for extra in extras}
        found[key] = installed[key]
        for text in found[key].requires or []:
            needed = Requirement(text)
            wanted = needed.marker is None or any(
                needed.marker.evaluate({"extra": extra}) for extra in extras
            )
            if wanted:
                todo.append(needed)
    return found


def _site_layer(allowed: dict[str, importlib.metadata.Distribution]) -> Layer:
    """The venv's site-packages: the folders holding ``allowed``, showing only their files."""
    files: dict[Path, set[str]] = {}
    for dist in allowed.values():
        folder = Path(str(dist.locate_file(""))).resolve()
        names = files.setdefault(folder, set())
        record = dist.read_text("RECORD")  # read here: dist.files parses it slowly
        if record:
            entries = [line.rsplit(",", 2)[0].strip('"') for line in record.splitlines()]
        else:
            entries = [str(path) for path in dist.files or []]
        names |= {e.replace("\\", "/") for e in entries if e and not e.startswith("..")}
    sources = tuple(p for p in (Path(s).resolve() for s in sys.path) if p in files)
    shown: set[str] = set()
    for source in sources:
        mine = files[source]
        tops = {name.split("/", 1)[0] for name in mine}
        for entry in source.iterdir():
            if entry.name not in tops:
                continue
            if not _shared(entry):
                shown.add(entry.name)
                continue
            for child in entry.iterdir():  # __pycache__, a namespace package: one by one
                relative = f"{entry.name}/{child.name}"
                if any(f == relative or f.startswith(f"{relative}/") for f in mine):
                    shown.add(relative)
    site_inside = f"{INSIDE_VENV}/lib/{VERSION}/site-packages"
    return Layer(site_inside, sources, tuple(sorted(shown)))


def _shared(entry: Path) -> bool:
    """A top-level folder that several distributions may fill."""
    if not entry.is_dir() or entry.name.endswith((".dist-info", ".libs", ".data")):
        return False
    return entry.name == "__pycache__" or not (entry / "__init__.py").exists()
