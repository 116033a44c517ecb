"""Paths and operations: added, removed, operationIds; then every operation check on the ones in both."""

from __future__ import annotations

import re
from collections.abc import Iterable

from openapi import document as d
from openapi.diff import lifecycle
from openapi.diff.context import OPERATION_CHECKS, DiffContext, document_check, operation_check
from openapi.diff.rules import BREAKING, INFO, WARNING, define

PATH_PARAM = re.compile(r"\{([^}]+)\}")

PATH_REMOVED = define(
    "api-path-removed",
    BREAKING,
    "a path and its operations were removed",
    "{label} was removed: clients calling it get 404 or 405.",
    oasdiff_id="api-path-removed-without-deprecation",
)
OPERATION_REMOVED = define(
    "api-operation-removed",
    BREAKING,
    "an operation was removed (the path remains)",
    "{label} was removed: clients calling it get 404 or 405.",
    oasdiff_id="api-removed-without-deprecation",
)
PATH_ADDED = define("api-path-added", INFO, "a new path", "{label} is new.", oasdiff_id="endpoint-added")
OPERATION_ADDED = define(
    "api-operation-added",
    INFO,
    "a new operation on an existing path",
    "{label} is new.",
    oasdiff_id="endpoint-added",
)
PATH_REMOVAL = lifecycle.removal_rules("api-path", "a path", PATH_REMOVED, lifecycle.SUNSET_PARSE)
OPERATION_REMOVAL = lifecycle.removal_rules(
    "api-operation", "an operation", OPERATION_REMOVED, lifecycle.SUNSET_PARSE, oasdiff_prefix="api"
)
TAG_REMOVED = define(
    "api-tag-removed",
    WARNING,
    "an operation lost a tag",
    "{label} is no longer tagged `{tag}`.",
    oasdiff=INFO,
    why="generated clients group operations into one class per tag: the function moves",
)
TAG_ADDED = define("api-tag-added", INFO, "an operation got a tag", "{label} is now tagged `{tag}`.")
WEBHOOK_REMOVED = define(
    "webhook-removed",
    BREAKING,
    "a webhook was removed: subscribers no longer receive its calls",
    "{label} was removed: subscribers no longer receive it.",
)
WEBHOOK_ADDED = define("webhook-added", INFO, "a new webhook", "{label} is new.")
OPERATION_ID_REMOVED = define(
    "api-operation-id-removed",
    BREAKING,
    "an operationId was removed (generated functions are named after it)",
    "operationId `{old}` was removed: the generated function loses its name.",
    oasdiff=INFO,
    why="generated clients name their functions after the operationId",
)
OPERATION_ID_CHANGED = define(
    "api-operation-id-changed",
    BREAKING,
    "an operationId changed (generated functions are named after it)",
    "operationId changed from `{old}` to `{new}`: the generated function is renamed.",
    oasdiff=INFO,
    oasdiff_id="api-operation-id-removed",
    why="generated clients name their functions after the operationId",
)
OPERATION_ID_ADDED = define(
    "api-operation-id-added", INFO, "an operation got an operationId", "operationId `{new}` was added."
)


def norm_path(path: str) -> str:
    """The path with its parameter names blanked: `/a/{id}` and `/a/{key}` are the same URL."""
    return PATH_PARAM.sub("{}", path)


def _by_url(ops: Iterable[d.Operation]) -> dict[tuple[str, str], d.Operation]:
    return {(norm_path(op.path), op.method): op for op in ops}


def _check_both(ctx: DiffContext, base_ops: dict, head_ops: dict) -> None:
    for key, op in head_ops.items():
        if key in base_ops:
            for check in OPERATION_CHECKS:
                check(ctx, base_ops[key], op)


@document_check
def paths(ctx: DiffContext) -> None:
    """Match operations by method and URL; report the removed and added ones, check the rest."""
    base_ops, head_ops = _by_url(d.operations(ctx.base)), _by_url(d.operations(ctx.head))
    head_paths = {path for path, _ in head_ops}
    base_paths = {path for path, _ in base_ops}
    for key, op in base_ops.items():
        if key not in head_ops:
            lifecycle.invalid_stability_of_removed(ctx, op)
            removal = OPERATION_REMOVAL if key[0] in head_paths else PATH_REMOVAL
            rule, fields = lifecycle.removal(ctx, op.node, removal)
            ctx.emit(rule, op.pointer, op, what=op.label, **fields)
    for key, op in head_ops.items():
        if key not in base_ops:
            ctx.emit(OPERATION_ADDED if key[0] in base_paths else PATH_ADDED, op.pointer, op)
    _check_both(ctx, base_ops, head_ops)


@document_check
def webhooks(ctx: DiffContext) -> None:
    """Webhooks (3.1): the calls the API makes to its subscribers, matched by name and method and checked
    like operations (as oasdiff does: the request is what the API sends)."""
    base_ops = {(op.path, op.method): op for op in d.operations(ctx.base, "webhooks")}
    head_ops = {(op.path, op.method): op for op in d.operations(ctx.head, "webhooks")}
    for key, op in base_ops.items():
        if key not in head_ops:
            ctx.emit(WEBHOOK_REMOVED, op.pointer, op)
    for key, op in head_ops.items():
        if key not in base_ops:
            ctx.emit(WEBHOOK_ADDED, op.pointer, op)
    _check_both(ctx, base_ops, head_ops)


@operation_check
def operation_id(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    old, new = b.operation_id, h.operation_id
    if old and not new:
        ctx.emit(OPERATION_ID_REMOVED, d.join(b.pointer, "operationId"), h, old=old)
    elif old and new != old:
        ctx.emit(OPERATION_ID_CHANGED, d.join(h.pointer, "operationId"), h, old=old, new=new)
    elif new and not old:
        ctx.emit(OPERATION_ID_ADDED, d.join(h.pointer, "operationId"), h, new=new)


@operation_check
def tags(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    old = [t for t in d.sequence(b.node.get("tags")) if isinstance(t, str)]
    new = [t for t in d.sequence(h.node.get("tags")) if isinstance(t, str)]
    for tag in (t for t in old if t not in new):
        ctx.emit(TAG_REMOVED, d.join(b.pointer, "tags"), h, tag=tag)
    for tag in (t for t in new if t not in old):
        ctx.emit(TAG_ADDED, d.join(h.pointer, "tags"), h, tag=tag)
