"""Document-level changes outside operations: component schemas."""

from __future__ import annotations

from openapi import document as d
from openapi.diff.context import DiffContext, document_check
from openapi.diff.rules import BREAKING, INFO, define

SCHEMA_REMOVED = define(
    "api-schema-removed",
    BREAKING,
    "a component schema was removed or renamed (generated types are named after it)",
    "Component schema `{name}` was removed or renamed: generated clients lose its type.",
    oasdiff=INFO,
    why="generated types are named after components: code importing the type stops compiling",
)
SCHEMA_ADDED = define(
    "api-schema-added", INFO, "a new component schema", "Component schema `{name}` is new.", oasdiff_id=""
)


@document_check
def schemas(ctx: DiffContext) -> None:
    base, head = d.components(ctx.base, "schemas"), d.components(ctx.head, "schemas")
    for name in sorted(set(base) - set(head)):
        ctx.emit(SCHEMA_REMOVED, d.pointer("components", "schemas", name), name=name)
    for name in sorted(set(head) - set(base)):
        ctx.emit(SCHEMA_ADDED, d.pointer("components", "schemas", name), name=name)
