"""The bubblewrap command line of one student's server: what its filesystem shows, and where.

The server sees, read-only: the system's programs and libraries (``/usr`` and the ``/lib*``
links), a few files of ``/etc`` and a passwd and group of its own; the Python of
:mod:`conformance.grader.sandbox.runtime` at ``/opt/python`` and ``/opt/venv``; the private copy of
the submission at ``/submission``. Writable: ``/tmp`` (its HOME is in it). Nothing else: not
the grader's checkout, venv, HOME or temp folders, other submissions or the reports.

Where the OS lets the launcher mount (root), each of those folders is an overlay it makes from
a bind of the host folder at ``/.lower/...``, which it then detaches: the server's mount table
names only neutral paths. Elsewhere they are bound at the same neutral paths, and the mount
table shows where they come from. bubblewrap reads its arguments, and the passwd, group and
``pyvenv.cfg`` files, from descriptors (``--args``, ``--file``), so that its command line
(``/proc/1/cmdline`` in the sandbox: only the launcher's, which names nothing of the host)
shows none of them.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.grader.sandbox.runtime import INSIDE_PYTHON, INSIDE_VENV, VERSION, Layer, Runtime
from conformance.grader.sandbox.stage import Stage

INSIDE_APP = "/submission"
LOWER = "/.lower"
PATH = f"{INSIDE_VENV}/bin:/usr/local/bin:/usr/bin:/bin"
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "alternatives",
    "fonts",
    "mime.types",
    "ssl",
    "nsswitch.conf",
    "hosts",
)
"""The only files of /etc the server sees (read-only), plus a passwd and group of its own."""


@dataclass
class Boxed:
    """A command line for bubblewrap, and the descriptors it reads: pass them to it, then
    :meth:`close` them here."""

    argv: list[str]
    fds: list[int] = field(default_factory=list)

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = []


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


@dataclass(frozen=True)
class Box:
    """How one server is sandboxed: ``overlay`` (the launcher mounts each layer) or binds;
    ``tmpfs``: /tmp a tmpfs the launcher sizes (else the stage's folder on disk)."""

    bwrap: str
    runtime: Runtime
    overlay: bool
    tmpfs: bool

    @property
    def python(self) -> str:
        """The interpreter the server runs, inside."""
        return self.runtime.executable

    @property
    def launcher_python(self) -> str:
        """The interpreter the launcher runs (before the layers are mounted, in overlay)."""
        if self.overlay and self.runtime.python is not None:
            return self.runtime.base_executable.replace(INSIDE_PYTHON, f"{LOWER}/python", 1)
        return self.runtime.base_executable

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` with the sandbox's own PATH, and where the launcher's libpython is."""
        env = {**env, "PATH": PATH}
        if self.runtime.library_path:
            lower = self.overlay and self.runtime.python is not None
            where = f"{LOWER}/python/lib" if lower else self.runtime.library_path
            env["LD_LIBRARY_PATH"] = where
        return env

    def settings(self) -> dict[str, Any]:
        """What the launcher does for the layers (see grader/sandbox/launch.py)."""
        chosen: dict[str, Any] = {}
        if self.runtime.library_path:
            chosen["environ"] = {"LD_LIBRARY_PATH": self.runtime.library_path}
        if self.overlay:
            layers = [
                {"inside": layer.inside, "lowers": lowers, "shown": list(layer.shown)}
                for layer, lowers in self._lowers()
            ]
            chosen["layers"] = layers
            chosen["chdir"] = INSIDE_APP
        return chosen

    def _lowers(self, app: Path | None = None) -> list[tuple[Layer, list[str]]]:
        """Each layer (the submission's last: shown whole) with where its sources are bound
        for the launcher."""
        found: list[tuple[Layer, list[str]]] = []
        if self.runtime.python is not None:
            found.append((self.runtime.python, [f"{LOWER}/python"]))
        site = self.runtime.site
        found.append((site, [f"{LOWER}/site{i}" for i in range(len(site.sources))]))
        found.append((Layer(INSIDE_APP, (app or Path("/"),), ("",)), [f"{LOWER}/app"]))
        return found

    def command(self, stage: Stage, inner: list[str]) -> Boxed:
        """``inner`` run by bubblewrap in its own namespaces and minimal filesystem."""
        fds: list[int] = []

        def file(name: str, text: str, inside: str, mode: str = "0644") -> list[str]:
            fds.append(_memfd(name, text.encode()))
            return ["--perms", mode, "--file", str(fds[-1]), inside]

        try:
            args = self._system(stage)
            args += file("passwd", stage.passwd.read_text(), "/etc/passwd")
            args += file("group", stage.group.read_text(), "/etc/group")
            args += self._python(stage)
            args += file("pyvenv.cfg", self.runtime.pyvenv_cfg(), f"{INSIDE_VENV}/pyvenv.cfg")
            args += ["--chdir", INSIDE_APP]
            fds.append(_memfd("bwrap-args", "\0".join(args).encode() + b"\0"))
        except BaseException:
            Boxed([], fds).close()
            raise
        return Boxed([self.bwrap, "--args", str(fds[-1]), "--", *inner], fds)

    def _system(self, stage: Stage) -> list[str]:
        tmp = ["--bind", str(stage.tmp), "/tmp"]
        if self.tmpfs:
            tmp = ["--perms", "1777", "--tmpfs", "/tmp"]
        args = [
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "student",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            *tmp,
            "--ro-bind",
            "/usr",
            "/usr",
        ]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/") / top
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        for path in self.runtime.covered:  # the grader's package, site-packages under /usr
            args += _cover(path, str(path))
        args += ["--perms", "0755", "--dir", "/etc"]
        for name in ETC:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        return args

    def _python(self, stage: Stage) -> list[str]:
        """The runtime's layers and the submission: bound below /.lower for the launcher to
        overlay, or bound where the server sees them."""
        runtime = self.runtime
        args = ["--perms", "0755", "--dir", f"{INSIDE_VENV}/bin"]
        for name in sorted({"python", "python3", VERSION}):
            args += ["--symlink", runtime.base_executable, f"{INSIDE_VENV}/bin/{name}"]
        if self.overlay:
            for layer, lowers in self._lowers(stage.app):
                for source, lower in zip(layer.sources, lowers, strict=True):
                    args += ["--ro-bind", str(source), lower]
                args += ["--perms", "0755", "--dir", layer.inside]
            return args
        for layer in runtime.layers():
            made = {layer.inside}
            args += ["--perms", "0755", "--dir", layer.inside]
            for relative in layer.shown:
                origin = layer.source_of(relative)
                if origin is None:
                    continue
                inside = f"{layer.inside}/{relative}"
                for folder in reversed(Path(inside).parents):  # bubblewrap would make 0700
                    if folder.is_relative_to(layer.inside) and str(folder) not in made:
                        made.add(str(folder))
                        args += ["--perms", "0755", "--dir", str(folder)]
                args += ["--ro-bind", str(origin / relative), inside]
        return [*args, "--ro-bind", str(stage.app), INSIDE_APP]


def _cover(path: Path, inside: str) -> list[str]:
    """Hide ``inside`` (the host's ``path`` there): an empty tmpfs on a folder, else
    /dev/null."""
    if path.is_dir() and not path.is_symlink():
        return ["--tmpfs", inside]
    return ["--ro-bind", "/dev/null", inside]
