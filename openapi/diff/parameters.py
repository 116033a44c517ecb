"""Parameters (path, query, header, cookie): added, removed, required, renamed, and their schemas."""

from __future__ import annotations

from typing import Any

from openapi import document as d
from openapi.diff import bodies, lifecycle
from openapi.diff.context import DiffContext, Where, operation_check
from openapi.diff.operations import PATH_PARAM
from openapi.diff.rules import BREAKING, INFO, WARNING, define

NEW_REQUIRED = define(
    "new-required-request-parameter",
    BREAKING,
    "a new required parameter (query, header, path or cookie)",
    "new required {param}: existing clients do not send it and are refused.",
)
NEW_OPTIONAL = define(
    "new-optional-request-parameter", INFO, "a new optional parameter", "new optional {param}."
)
REMOVED = define(
    "request-parameter-removed",
    WARNING,
    "a parameter was removed (clients still send it; it is ignored or refused)",
    "{param} was removed: clients still send it.",
)
BECAME_REQUIRED = define(
    "request-parameter-became-required",
    BREAKING,
    "an optional parameter became required",
    "{param} became required: clients that omit it are refused.",
)
BECAME_OPTIONAL = define(
    "request-parameter-became-optional",
    INFO,
    "a required parameter became optional",
    "{param} became optional.",
)
PATH_RENAMED = define(
    "request-path-parameter-renamed",
    INFO,
    "a path parameter was renamed (the URL is unchanged)",
    "path parameter `{old}` is now `{new}` (the URL is unchanged; generated argument names change).",
    oasdiff_id="",
)

SUNSET_PARSE = define(
    "request-parameter-sunset-parse",
    BREAKING,
    "a deprecated parameter's `x-sunset` is not a date (YYYY-MM-DD or RFC 3339)",
    "{param}: `x-sunset` {value} is not a date (YYYY-MM-DD or RFC 3339).",
)
REMOVAL = lifecycle.removal_rules("request-parameter", "a deprecated parameter", REMOVED, SUNSET_PARSE)
DEPRECATED = define(
    "request-parameter-deprecated", INFO, "a parameter was marked deprecated", "{param} is now deprecated."
)
REACTIVATED = define(
    "request-parameter-reactivated",
    INFO,
    "a deprecated parameter is no longer deprecated",
    "{param} is no longer deprecated.",
)
DEPRECATION = lifecycle.DeprecationRules(
    DEPRECATED,
    SUNSET_PARSE,
    define(
        "request-parameter-deprecated-sunset-missing",
        BREAKING,
        "a parameter was deprecated without the `x-sunset` its deprecation period requires",
        "{param} was deprecated without `x-sunset` (at least {days} days' notice is required).",
    ),
    define(
        "request-parameter-sunset-date-too-small",
        BREAKING,
        "a parameter was deprecated with a sunset sooner than its deprecation period",
        "{param} was deprecated with sunset {sunset}, less than {days} days away.",
    ),
)
SUNSET = lifecycle.SunsetRules(
    define(
        "request-parameter-sunset-deleted",
        BREAKING,
        "a deprecated parameter's sunset date was deleted",
        "{param}: the sunset date `{old}` was deleted: clients no longer know when it goes.",
    ),
    SUNSET_PARSE,
    define(
        "request-parameter-sunset-date-changed-too-small",
        BREAKING,
        "a parameter's sunset date was brought forward to sooner than the deprecation period",
        "{param}: sunset {old} -> {new}, less than {days} days away.",
    ),
)

Keyed = dict[tuple[str, Any], tuple[dict[str, Any], str]]


def _keyed(op: d.Operation) -> Keyed:
    """Parameters by what identifies them on the wire: a path parameter by its position in the URL."""
    names = PATH_PARAM.findall(op.path)
    out = {}
    for param, ptr in op.parameters:
        where, name = str(param.get("in")), str(param.get("name"))
        if where == "path" and name in names:
            out[("path", names.index(name))] = (param, ptr)
        else:
            out[(where, name.lower() if where == "header" else name)] = (param, ptr)
    return out


def label(param: dict[str, Any]) -> str:
    return f"{param.get('in')} parameter `{param.get('name')}`"


@operation_check
def parameters(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    base_params, head_params = _keyed(b), _keyed(h)
    for key, (param, ptr) in base_params.items():
        if key not in head_params:
            rule, fields = lifecycle.removal(ctx, param, REMOVAL)
            ctx.emit(rule, ptr, h, param=label(param), what=label(param), **fields)
    for key, (param, ptr) in head_params.items():
        if key not in base_params:
            rule = NEW_REQUIRED if param.get("required") is True else NEW_OPTIONAL
            ctx.emit(rule, ptr, h, param=label(param))
            continue
        old, old_ptr = base_params[key]
        if old.get("name") != param.get("name"):
            ctx.emit(PATH_RENAMED, ptr, h, old=old.get("name"), new=param.get("name"))
        if param.get("required") is True and old.get("required") is not True:
            ctx.emit(BECAME_REQUIRED, ptr, h, param=label(param))
        elif old.get("required") is True and param.get("required") is not True:
            ctx.emit(BECAME_OPTIONAL, ptr, h, param=label(param))
        _deprecation(ctx, h, old, old_ptr, param, ptr)
        where = Where(h, "request", "request-parameter", d.join(ptr, "schema"), name=str(param.get("name")))
        if "schema" in old or "schema" in param:
            ctx.compare(
                old.get("schema"),
                d.join(old_ptr, "schema"),
                param.get("schema"),
                d.join(ptr, "schema"),
                where,
            )
        else:
            bodies.content(ctx, old, old_ptr, param, ptr, where)


def _deprecation(
    ctx: DiffContext, h: d.Operation, old: dict[str, Any], old_ptr: str, new: dict[str, Any], ptr: str
) -> None:
    was, now = old.get("deprecated") is True, new.get("deprecated") is True
    if now and not was:
        lifecycle.newly_deprecated(ctx, new, ptr, h, DEPRECATION, param=label(new))
    elif was and not now:
        ctx.emit(REACTIVATED, d.join(ptr, "deprecated"), h, param=label(new))
    elif now:
        lifecycle.sunset_changed(ctx, old, old_ptr, new, ptr, h, SUNSET, param=label(new))
