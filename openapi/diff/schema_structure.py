"""Schema checks on structure: properties and array items; each descends into the pair it matches."""

from __future__ import annotations

from typing import Any

from openapi import document as d
from openapi.diff.context import DiffContext, Pair, pair_check
from openapi.diff.normalize import origin
from openapi.diff.rules import BREAKING, INFO, WARNING, define

NEW_REQUIRED_PROPERTY = define(
    "new-required-request-property",
    BREAKING,
    "a new required request property",
    "new required request property `{name}`: existing clients do not send it and are refused.",
)
NEW_OPTIONAL_PROPERTY = define(
    "new-optional-request-property",
    INFO,
    "a new optional request property",
    "new optional request property `{name}`.",
)
REQUEST_PROPERTY_REMOVED = define(
    "request-property-removed",
    WARNING,
    "a request property was removed; the object still allows others",
    "request property `{name}` was removed: it is ignored.",
)
REQUEST_PROPERTY_REMOVED_REJECTED = define(
    "request-property-removed-rejected",
    BREAKING,
    "a request property was removed from a closed object "
    "(`additionalProperties: false`): clients that send it are refused",
    "request property `{name}` was removed: clients that send it are refused (the object is closed).",
    oasdiff=WARNING,
    oasdiff_id="request-property-removed",
    why="our objects are closed: the request is refused, not the value ignored",
)
REQUEST_PROPERTY_BECAME_REQUIRED = define(
    "request-property-became-required",
    BREAKING,
    "an optional request property became required",
    "request property `{name}` became required: clients that omit it are refused.",
)
REQUEST_PROPERTY_BECAME_OPTIONAL = define(
    "request-property-became-optional",
    INFO,
    "a required request property became optional",
    "request property `{name}` became optional.",
)
RESPONSE_PROPERTY_REMOVED = define(
    "response-property-removed",
    BREAKING,
    "a required (always present) response property was removed",
    "response property `{name}` was removed: clients reading it break.",
    oasdiff_id="response-required-property-removed",
)
RESPONSE_OPTIONAL_PROPERTY_REMOVED = define(
    "response-optional-property-removed",
    WARNING,
    "an optional response property was removed",
    "response property `{name}` was removed: clients reading it break.",
)
RESPONSE_PROPERTY_ADDED = define(
    "response-property-added",
    INFO,
    "a new response property",
    "new response property `{name}`.",
    oasdiff_id="response-optional-property-added",
)
RESPONSE_PROPERTY_BECAME_OPTIONAL = define(
    "response-property-became-optional",
    BREAKING,
    "a required response property became optional",
    "response property `{name}` became optional: clients relying on it break.",
)
RESPONSE_PROPERTY_BECAME_REQUIRED = define(
    "response-property-became-required",
    INFO,
    "an optional response property became required",
    "response property `{name}` became required.",
)


def _names(values: Any) -> set[str]:
    return {name for name in d.sequence(values) if isinstance(name, str)}


@pair_check
def properties(ctx: DiffContext, pair: Pair) -> None:
    b, h, where = pair.b, pair.h, pair.where
    old_props, new_props = d.mapping(b.get("properties")), d.mapping(h.get("properties"))
    if not old_props and not new_props:
        return
    old_req, new_req = _names(b.get("required")), _names(h.get("required"))
    request = where.request
    hidden = "readOnly" if request else "writeOnly"  # never sent in this direction, so never a change

    def seen(side: str, props: dict[str, Any]) -> dict[str, Any]:
        # A property that turns readOnly (writeOnly) leaves the request (response): that is a removal.
        out = {}
        for name, schema in props.items():
            resolved, _ = ctx.resolve(side, schema)
            if not (isinstance(resolved, dict) and resolved.get(hidden) is True):
                out[name] = schema
        return out

    old_seen, new_seen = seen("base", old_props), seen("head", new_props)
    prefix = f"{where.name}." if where.name else ""
    for name in old_seen:
        if name in new_seen:
            continue
        ptr, via = origin(b, pair.b_ptr, "properties", name), d.join(where.via, "properties", name)
        if request:
            closed = h.get("additionalProperties") is False or h.get("unevaluatedProperties") is False
            rule = REQUEST_PROPERTY_REMOVED_REJECTED if closed else REQUEST_PROPERTY_REMOVED
        else:
            rule = RESPONSE_PROPERTY_REMOVED if name in old_req else RESPONSE_OPTIONAL_PROPERTY_REMOVED
        ctx.emit(rule, ptr, where.op, via, name=prefix + name)
    for name, schema in new_seen.items():
        ptr, via = origin(h, pair.h_ptr, "properties", name), d.join(where.via, "properties", name)
        if name not in old_seen:
            if request:
                rule = NEW_REQUIRED_PROPERTY if name in new_req else NEW_OPTIONAL_PROPERTY
            else:
                rule = RESPONSE_PROPERTY_ADDED
            ctx.emit(rule, ptr, where.op, via, name=prefix + name)
            continue
        became_required, became_optional = name in new_req - old_req, name in old_req - new_req
        rule = None
        if request and became_required:
            rule = REQUEST_PROPERTY_BECAME_REQUIRED
        elif request and became_optional:
            rule = REQUEST_PROPERTY_BECAME_OPTIONAL
        elif became_optional:
            rule = RESPONSE_PROPERTY_BECAME_OPTIONAL
        elif became_required:
            rule = RESPONSE_PROPERTY_BECAME_REQUIRED
        if rule:
            ctx.emit(rule, ptr, where.op, via, name=prefix + name)
        ctx.compare(
            old_props[name],
            origin(b, pair.b_ptr, "properties", name),
            schema,
            ptr,
            where.into(("properties", name), prefix + name),
        )


@pair_check
def items(ctx: DiffContext, pair: Pair) -> None:
    """`items` and `additionalProperties` (a schema for every element or extra value), and `prefixItems`."""
    b, h, where = pair.b, pair.h, pair.where
    for key, suffix in (("items", "[]"), ("additionalProperties", ".*")):
        if isinstance(b.get(key), dict) and isinstance(h.get(key), dict):
            ctx.compare(
                b[key],
                d.join(pair.b_ptr, key),
                h[key],
                d.join(pair.h_ptr, key),
                where.into((key,), where.name + suffix),
            )
    old_tuple, new_tuple = d.sequence(b.get("prefixItems")), d.sequence(h.get("prefixItems"))
    for index, (old_item, new_item) in enumerate(zip(old_tuple, new_tuple, strict=False)):
        ctx.compare(
            old_item,
            d.join(pair.b_ptr, "prefixItems", index),
            new_item,
            d.join(pair.h_ptr, "prefixItems", index),
            where.into(("prefixItems", index), f"{where.name}[{index}]"),
        )
