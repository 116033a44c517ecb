"""Where subschemas sit in a JSON Schema (2020-12 and OpenAPI 3.0), and walks over them for lint and diff."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from openapi import document as d

# keyword -> a mapping of names to subschemas
MAP_KEYS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# keyword -> one subschema
SINGLE_KEYS = (
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "contentSchema",
)
# keyword -> a list of subschemas (`items` is a list in draft 4 tuples, which 3.0 documents sometimes use)
LIST_KEYS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
UNION_KEYS = ("anyOf", "oneOf")

Tokens = tuple[Any, ...]


def children(schema: Any) -> Iterator[tuple[Tokens, dict[str, Any]]]:
    """Each subschema written directly inside `schema`, with the pointer tokens that lead to it."""
    if not isinstance(schema, dict):
        return
    for key in MAP_KEYS:
        for name, child in d.mapping(schema.get(key)).items():
            if isinstance(child, dict):
                yield (key, name), child
    for key in SINGLE_KEYS:
        if isinstance(schema.get(key), dict):
            yield (key,), schema[key]
    for key in LIST_KEYS:
        for index, child in enumerate(d.sequence(schema.get(key))):
            if isinstance(child, dict):
                yield (key, index), child


def walk(node: Any, ptr: str) -> Iterator[tuple[dict[str, Any], str]]:
    """A schema and every subschema written inside it (not through `$ref`)."""
    if not isinstance(node, dict):
        return
    yield node, ptr
    for tokens, child in children(node):
        yield from walk(child, d.join(ptr, *tokens))


def all_schemas(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every schema object of the document: named components and every inline `schema`."""
    for name, schema in d.components(doc, "schemas").items():
        yield from walk(schema, d.pointer("components", "schemas", name))

    def visit(node: Any, ptr: str) -> Iterator[tuple[dict[str, Any], str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                child = d.join(ptr, key)
                if key in ("example", "examples", "x-examples") or child == "/components/schemas":
                    continue
                if key == "schema" and isinstance(value, dict):
                    yield from walk(value, child)
                else:
                    yield from visit(value, child)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from visit(value, d.join(ptr, index))

    yield from visit(doc, "")


def walk_resolved(
    doc: dict[str, Any],
    node: Any,
    ptr: str,
    *,
    follow: Callable[[Tokens, dict[str, Any]], bool],
    seen: set[str],
) -> Iterator[tuple[dict[str, Any], str]]:
    """A schema and the subschemas `follow` accepts, through `$ref`s, each target once (`seen` is shared)."""
    schema, ptr = d.resolve(doc, node, ptr)
    if not isinstance(schema, dict) or ptr in seen:
        return
    seen.add(ptr)
    yield schema, ptr
    for tokens, child in children(schema):
        resolved, _ = d.resolve(doc, child, "")
        if isinstance(resolved, dict) and follow(tokens, resolved):
            yield from walk_resolved(doc, child, d.join(ptr, *tokens), follow=follow, seen=seen)
