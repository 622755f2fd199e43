"""What the hooks add to the server's /openapi.json before schemathesis reads it: the routes
and links of the exercise's registry entry (``ExerciseHooks.routes`` and ``.links``).

* A route the lecture's code serves without declaring it (``include_in_schema=False``) is
  added where the document lacks its path, so that it is checked like every other route.
* Links between routes, so that schemathesis' stateful phase sends sequences in which the
  state matters (a request after the one that changed what it answers).

Nothing is added where the server already declares the path or a link of that name, nor a
link whose source or target route the document does not declare.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from conformance.exercise_hooks import Link
from conformance.schemathesis_hooks.entries import entry


def extend(document: dict[str, Any], exercise: str) -> list[str]:
    """Add the entry's routes and links to ``document`` in place; say what was added."""
    hooks = entry(exercise)
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return []
    added = []
    for route in hooks.routes:
        if route.path not in paths:
            paths[route.path] = copy.deepcopy(dict(route.item))
            added.append(route.what)
    count = sum(_add(paths, link) for link in hooks.links)
    if count:
        added.append(f"{count} links between {listed(_paths(hooks.links))}")
    return added


def _add(paths: dict[str, Any], link: Link) -> bool:
    source_method, source_path = _split(link.source)
    source = _find(paths, source_method, source_path)
    if source is None:
        return False
    response = source.setdefault("responses", {}).setdefault("200", {"description": "OK"})
    present = response.setdefault("links", {})
    target_method, target_path = _split(link.target)
    key = _key(paths, target_method, target_path)
    if key is None or link.name in present:
        return False
    pointer = key.replace("~", "~0").replace("/", "~1")
    added: dict[str, Any] = {"operationRef": f"#/paths/{pointer}/{target_method}"}
    if link.body is not None:
        added["requestBody"] = copy.deepcopy(link.body)
    present[link.name] = added
    return True


def _split(label: str) -> tuple[str, str]:
    """``"POST /fit"`` as an OpenAPI document names it: ``("post", "/fit")``."""
    method, path = label.split(" ", 1)
    return method.lower(), path.rstrip("/") or "/"


def _paths(links: tuple[Link, ...]) -> list[str]:
    """The paths the links join, in the order they first appear."""
    labels = (label for link in links for label in (link.source, link.target))
    return list(dict.fromkeys(_split(label)[1] for label in labels))


def listed(words: Sequence[str], conjunction: str = "and") -> str:
    """``a, b and c``."""
    return f" {conjunction} ".join(filter(None, (", ".join(words[:-1]), *words[-1:])))


def _key(paths: dict[str, Any], method: str, path: str) -> str | None:
    for key, item in paths.items():
        if (key.rstrip("/") or "/") == path and isinstance(item, dict) and method in item:
            return str(key)
    return None


def _find(paths: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    key = _key(paths, method, path)
    found = paths[key][method] if key is not None else None
    return found if isinstance(found, dict) else None
