"""`diff`: every change between two specs, classified for an existing client (breaking, warning, info).

The checks live by place (operations, parameters, bodies, security, lifecycle, components, schemas); each
defines its rules in `openapi.diff.rules`' registry and registers itself with `openapi.diff.context`.
"""

from __future__ import annotations

from typing import Any

from openapi import accepted as acc
from openapi import document as d

# Importing a check module registers its rules and checks; the order is the order checks run in.
from openapi.diff import (  # noqa: F401
    bodies,
    components,
    lifecycle,
    operations,
    parameters,
    schema_composition,
    schema_keywords,
    schema_structure,
    schema_values,
    security,
)
from openapi.diff.changes import Change, DiffResult, sort_key, verdict
from openapi.diff.context import DOCUMENT_CHECKS, DiffContext
from openapi.diff.rules import BREAKING, RULES, LevelPolicy

__all__ = ["RULES", "Change", "DiffResult", "compare", "find_changes", "verdict"]


def find_changes(
    base: dict[str, Any], head: dict[str, Any], policy: LevelPolicy | None = None
) -> list[Change]:
    """Every change from `base` to `head`, most severe first."""
    ctx = DiffContext(base, head, policy)
    for check in DOCUMENT_CHECKS:
        check(ctx)
    return sorted(ctx.changes, key=sort_key)


def compare(
    base: dict[str, Any],
    head: dict[str, Any],
    accepted: list[acc.Acceptance] | None = None,
    fail_on: str = BREAKING,
    policy: LevelPolicy | None = None,
) -> DiffResult:
    """Classify every change from `base` to `head` and mark the accepted ones."""
    changes = find_changes(base, head, policy)
    stale = acc.apply(accepted or [], changes)
    return DiffResult(
        changes,
        str(d.mapping(base.get("info")).get("version", "")),
        str(d.mapping(head.get("info")).get("version", "")),
        stale,
        fail_on,
    )
