"""Lifecycle: deprecation of operations (and, as they are added, sunset dates and stability levels)."""

from __future__ import annotations

from openapi import document as d
from openapi.diff.context import DiffContext, operation_check
from openapi.diff.rules import INFO, define

DEPRECATED = define(
    "api-deprecated",
    INFO,
    "an operation was marked deprecated",
    "{label} is now deprecated.",
    oasdiff_id="endpoint-deprecated",
)


@operation_check
def deprecation(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    if h.node.get("deprecated") is True and b.node.get("deprecated") is not True:
        ctx.emit(DEPRECATED, d.join(h.pointer, "deprecated"), h)
