"""What the hooks add to the server's /openapi.json before schemathesis reads it (ex2 only).

* ``GET /``: the lecture's ex2 redirects it to /docs with ``include_in_schema=False``, so no
  correct server declares it; it is added (answering any 3xx, which schemathesis then does not
  follow) so that the redirect is checked like every other route.
* Links between the model's routes, so that schemathesis' stateful phase sends sequences in
  which the state matters: after a /fit, a /predict of the same X (so of the fitted width),
  /coefs, /plot and /reset; after a /reset, /plot, /coefs, /predict and a new /fit.

Nothing is added to a document that declares neither ex2 route, nor where the server already
declares the route or a link of that name.
"""

from __future__ import annotations

from typing import Any

ROOT = {
    "get": {
        "summary": "Redirect root requests to /docs (the lecture's ex2; added by the "
        "conformance hooks: the lecture's code does not declare it)",
        "operationId": "conformance_root_redirect",
        "responses": {"3XX": {"description": "A redirect to /docs"}},
    }
}

# source route -> (link name, target route, request body expression or None)
LINKS: dict[tuple[str, str], tuple[tuple[str, tuple[str, str], Any], ...]] = {
    ("post", "/fit"): (
        ("PredictFromFit", ("post", "/predict"), {"X": "$request.body#/X"}),
        ("CoefsOfFit", ("get", "/coefs"), None),
        ("PlotOfFit", ("get", "/plot"), None),
        ("ResetAfterFit", ("get", "/reset"), None),
    ),
    ("get", "/reset"): (
        ("PlotAfterReset", ("get", "/plot"), None),
        ("CoefsAfterReset", ("get", "/coefs"), None),
        ("PredictAfterReset", ("post", "/predict"), None),
        ("FitAfterReset", ("post", "/fit"), None),
    ),
}


def extend(document: dict[str, Any], exercise: str) -> list[str]:
    """Add the root route and the links to ``document`` in place; say what was added."""
    paths = document.get("paths")
    if exercise != "ex2" or not isinstance(paths, dict):
        return []
    added = []
    if "/" not in paths:
        paths["/"] = ROOT
        added.append("GET / (the lecture's redirect to /docs)")
    count = 0
    for (method, path), links in LINKS.items():
        source = _find(paths, method, path)
        if source is None:
            continue
        response = source.setdefault("responses", {}).setdefault("200", {"description": "OK"})
        present = response.setdefault("links", {})
        for name, (target_method, target_path), body in links:
            key = _key(paths, target_method, target_path)
            if key is None or name in present:
                continue
            pointer = key.replace("~", "~0").replace("/", "~1")
            link: dict[str, Any] = {"operationRef": f"#/paths/{pointer}/{target_method}"}
            if body is not None:
                link["requestBody"] = body
            present[name] = link
            count += 1
    if count:
        added.append(f"{count} links between /fit, /predict, /coefs, /plot and /reset")
    return added


def _key(paths: dict[str, Any], method: str, path: str) -> str | None:
    for key, item in paths.items():
        if key.rstrip("/") == path and isinstance(item, dict) and method in item:
            return str(key)
    return None


def _find(paths: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    key = _key(paths, method, path)
    found = paths[key][method] if key is not None else None
    return found if isinstance(found, dict) else None
