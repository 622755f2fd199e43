"""Read a server's /openapi.json: operations, parameters and body schemas, with $refs resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance import expect
from conformance.failure import shorten

NO_DEFAULT: Any = object()


@dataclass(frozen=True)
class Param:
    """A parameter the lecture's code declares: where it goes, its type, its default."""

    id: str
    method: str
    paths: tuple[str, ...]
    name: str
    location: str
    required: bool
    types: frozenset[str]
    default: Any = NO_DEFAULT


@dataclass(frozen=True)
class Body:
    """A request body model the lecture's code declares: field types and required fields."""

    id: str
    method: str
    paths: tuple[str, ...]
    fields: dict[str, frozenset[str]]
    """Each field the model declares, and the JSON types it must allow."""
    required: frozenset[str]
    """Fields that must be required."""
    optional: frozenset[str] = frozenset()
    """Fields that must not be required (the lecture sends requests without them)."""
    items: dict[str, frozenset[str]] = field(default_factory=dict)
    """For array fields, the types their items must allow (``X``: arrays of arrays)."""


@dataclass(frozen=True)
class Document:
    """A server's OpenAPI document, and the response it came in (for failure messages)."""

    spec: dict[str, Any]
    response: httpx.Response


def fetch(client: httpx.Client) -> Document:
    """The server's OpenAPI document (a failure if it is missing or not JSON)."""
    response = client.get("/openapi.json")
    expect.check(response, 200)
    spec = expect.response_json(response, "an OpenAPI document")
    if not isinstance(spec, dict) or not isinstance(spec.get("paths"), dict):
        raise expect.fail(response, expected="an OpenAPI document", where="$.paths: missing")
    return Document(spec, response)


def operation(
    spec: dict[str, Any], method: str, paths: tuple[str, ...]
) -> tuple[str, dict[str, Any]] | None:
    """The first of ``paths`` that declares ``method``, and its operation object."""
    for path in paths:
        op = spec["paths"].get(path, {}).get(method.lower())
        if isinstance(op, dict):
            return path, op
    return None


def resolve(spec: dict[str, Any], schema: Any) -> Any:
    """Follow ``$ref`` pointers inside the document."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, seen = node, seen + 1
    return schema


def types(spec: dict[str, Any], schema: Any) -> frozenset[str]:
    """The JSON types a schema allows (``anyOf``/``oneOf``/``allOf`` and type lists merged)."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict):
        return frozenset()
    found: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        found.add(declared)
    elif isinstance(declared, list):
        found.update(t for t in declared if isinstance(t, str))
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found |= types(spec, option)
    if schema.get("nullable"):
        found.add("null")
    return frozenset(found)


def item_types(spec: dict[str, Any], schema: Any) -> frozenset[str]:
    """The types the items of an array schema allow."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict):
        return frozenset()
    found: set[str] = set()
    if "items" in schema:
        found |= types(spec, schema["items"])
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            found |= item_types(spec, option)
    return frozenset(found)


def body_schema(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON request body's schema of an operation, resolved."""
    content = op.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if not isinstance(media, dict):
        return None
    schema = resolve(spec, media.get("schema"))
    return schema if isinstance(schema, dict) else None


# --- checks ----------------------------------------------------------------------------


def check_operation(doc: Document, method: str, paths: tuple[str, ...]) -> dict[str, Any]:
    """The operation is declared; return it."""
    spec, response = doc.spec, doc.response
    found = operation(spec, method, paths)
    if found is None:
        declared = sorted(f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops)
        raise expect.fail(
            response,
            expected=f"an operation {method} {' or '.join(paths)}",
            got=f"operations {declared}",
            where=f"$.paths: no {method} {paths[0]}",
        )
    return found[1]


def check_parameter(doc: Document, param: Param) -> None:
    """The parameter is declared where the lecture's code puts it, with its type and default."""
    spec, response = doc.spec, doc.response
    op = check_operation(doc, param.method, param.paths)
    declared = {p.get("name"): p for p in (resolve(spec, p) for p in op.get("parameters", []))}
    where = f"$.paths[{param.paths[0]!r}].{param.method.lower()}.parameters"
    if param.name not in declared:
        raise expect.fail(
            response,
            expected=f"a {param.location} parameter {param.name!r}",
            got=f"parameters {sorted(str(n) for n in declared)}",
            where=f"{where}: no {param.name!r}",
        )
    found = declared[param.name]
    schema = resolve(spec, found.get("schema", {}))
    problems = []
    if found.get("in") != param.location:
        problems.append(f"is in {found.get('in')!r}, expected {param.location!r}")
    if bool(found.get("required", False)) != param.required:
        problems.append("is required" if param.required is False else "is not required")
    allowed = types(spec, schema)
    if not param.types <= allowed:
        problems.append(f"allows {sorted(allowed)}, expected {sorted(param.types)}")
    if param.default is not NO_DEFAULT:
        default = schema.get("default", NO_DEFAULT) if isinstance(schema, dict) else NO_DEFAULT
        if default is NO_DEFAULT and param.default is not None:
            problems.append(f"has no default, expected {param.default!r}")
        elif default is not NO_DEFAULT and expect.difference(param.default, default):
            problems.append(f"defaults to {default!r}, expected {param.default!r}")
    if problems:
        raise expect.fail(
            response,
            expected=f"{param.name!r}: {param.location}, "
            f"{'required' if param.required else 'optional'}, {'/'.join(sorted(param.types))}"
            + ("" if param.default is NO_DEFAULT else f", default {param.default!r}"),
            got=shorten(expect.to_json(found)),
            where=f"{where}[{param.name!r}]: " + "; ".join(problems),
        )


def check_body(doc: Document, body: Body) -> None:
    """The request body model declares the lecture's fields, types and required fields."""
    spec, response = doc.spec, doc.response
    op = check_operation(doc, body.method, body.paths)
    schema = body_schema(spec, op)
    where = f"$.paths[{body.paths[0]!r}].{body.method.lower()}.requestBody"
    if schema is None:
        raise expect.fail(
            response,
            expected="a JSON request body",
            got=shorten(expect.to_json(op.get("requestBody"))),
            where=f"{where}: no application/json schema",
        )
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    problems = []
    for name, wanted in body.fields.items():
        if name not in properties:
            problems.append(f"no field {name!r}")
            continue
        allowed = types(spec, properties[name])
        if not wanted <= allowed:
            problems.append(f"{name!r} allows {sorted(allowed)}, expected {sorted(wanted)}")
        inner = body.items.get(name)
        if inner and not inner <= item_types(spec, properties[name]):
            problems.append(f"{name!r} items allow {sorted(item_types(spec, properties[name]))}")
    problems += [f"{name!r} is not required" for name in sorted(body.required - required)]
    problems += [f"{name!r} is required" for name in sorted(body.optional & required)]
    if problems:
        raise expect.fail(
            response,
            expected=f"a body with fields {sorted(body.fields)}, required {sorted(body.required)}",
            got=shorten(expect.to_json(schema)),
            where=f"{where}: " + "; ".join(problems),
        )
