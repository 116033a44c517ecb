"""Schema checks on structure: properties, array items, and union branches; each descends into the pair."""

from __future__ import annotations

from typing import Any

from openapi import document as d
from openapi.diff.context import DiffContext, Pair, pair_check
from openapi.diff.normalize import has_assertions, origin
from openapi.diff.rules import BREAKING, INFO, WARNING, define, schema_check

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
UNION_WHY = "a client decoding the response meets a shape it was not written for"
ALL_OF_WHY = (
    "`allOf` branches are merged and the merged schema compared: a branch that adds a constraint is "
    "reported by that constraint's rule"
)
UNION_CHECKS = {
    (key, action): schema_check(
        f"{word}-{action}",
        *((INFO, BREAKING) if action == "added" else (BREAKING, INFO)),
        f"{'an' if key == 'anyOf' else 'a'} `{key}` branch was {action}",
        f"`{key}` branch {{branch}} {action}.",
        oasdiff=(None, INFO) if (key, action) == ("anyOf", "added") else (None, None),
        why=UNION_WHY if (key, action) == ("anyOf", "added") else "",
    )
    for key, word in (("anyOf", "any-of"), ("oneOf", "one-of"))
    for action in ("added", "removed")
}
ALL_OF_CHECKS = {
    (action, annotations): schema_check(
        f"all-of-{action}{'-annotation-only' if annotations else ''}",
        INFO,
        INFO,
        f"an `allOf` branch {'of annotations only ' if annotations else ''}was {action}",
        f"`allOf` branch {{branch}} {action}.",
        oasdiff=(None, None) if annotations else ((BREAKING if action == "added" else WARNING), None),
        why="" if annotations else ALL_OF_WHY,
    )
    for action in ("added", "removed")
    for annotations in (False, True)
}
WRAPPED_IN_ONE_OF = schema_check(
    "wrapped-in-one-of",
    BREAKING,
    BREAKING,
    "the schema became a `oneOf` of several branches: a value matching more than one is refused",
    "now `oneOf` {count} branches.",
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


def _branch_labels(branches: list[Any]) -> list[str]:
    return [d.ref_name(branch) or f"#{index}" for index, branch in enumerate(branches)]


@pair_check
def unions(ctx: DiffContext, pair: Pair) -> None:
    """`anyOf`/`oneOf`/`allOf` branches matched by the component they name (else by position)."""
    for key in ("anyOf", "oneOf", "allOf"):
        old, new = d.sequence(pair.b.get(key)), d.sequence(pair.h.get(key))
        old_labels, new_labels = _branch_labels(old), _branch_labels(new)
        for i, name in enumerate(new_labels):
            if name in old_labels:
                j = old_labels.index(name)
                ctx.compare(
                    old[j],
                    d.join(pair.b_ptr, key, j),
                    new[i],
                    d.join(pair.h_ptr, key, i),
                    pair.where.along(key, i),
                )
        if key == "allOf" or not old:  # a schema newly wrapped in a union is `wrapped-in-one-of`
            continue
        for i, name in enumerate(new_labels):
            if name not in old_labels:
                check = UNION_CHECKS[key, "added"]
                ctx.schema_change(pair.where, check, d.join(pair.h_ptr, key, i), branch=name)
        for j, name in enumerate(old_labels):
            if name not in new_labels:
                check = UNION_CHECKS[key, "removed"]
                ctx.schema_change(pair.where, check, d.join(pair.b_ptr, key, j), branch=name)


@pair_check
def all_of(ctx: DiffContext, pair: Pair) -> None:
    """`allOf` branches as written (normalisation merges them; the merged schema is compared elsewhere)."""
    sides = [d.sequence(raw.get("allOf")) for raw in pair.raw]
    if not sides[0] or not sides[1]:  # a schema split into (or folded from) an `allOf`: a refactor
        return
    labels = [_branch_labels(branches) for branches in sides]
    for action, side, mine, other, ptr in (
        ("added", "head", 1, 0, pair.h_ptr),
        ("removed", "base", 0, 1, pair.b_ptr),
    ):
        for i, name in enumerate(labels[mine]):
            if name in labels[other]:
                continue
            branch, _ = ctx.resolve(side, sides[mine][i])
            annotations = isinstance(branch, dict) and not has_assertions(branch)
            ctx.schema_change(
                pair.where, ALL_OF_CHECKS[action, annotations], d.join(ptr, "allOf", i), branch=name
            )


@pair_check
def wrapped_in_one_of(ctx: DiffContext, pair: Pair) -> None:
    new = d.sequence(pair.h.get("oneOf"))
    if len(new) > 1 and "oneOf" not in pair.b and has_assertions(pair.b):
        ctx.schema_change(pair.where, WRAPPED_IN_ONE_OF, d.join(pair.h_ptr, "oneOf"), count=len(new))


BODY_SUBJECTS = ("request-body", "request-property", "response-body", "response-property")
DISCRIMINATOR_ADDED = schema_check(
    "discriminator-added", INFO, INFO, "a discriminator was added", "{text}", subjects=BODY_SUBJECTS
)
DISCRIMINATOR_REMOVED = schema_check(
    "discriminator-removed", INFO, INFO, "the discriminator was removed", "{text}", subjects=BODY_SUBJECTS
)
DISCRIMINATOR_PROPERTY_CHANGED = schema_check(
    "discriminator-property-name-changed",
    BREAKING,
    BREAKING,
    "the discriminator reads another property",
    "{text}",
    oasdiff=(INFO, INFO),
    why="both sides pick the variant by the property: clients set or read the old one",
    subjects=BODY_SUBJECTS,
)
DISCRIMINATOR_MAPPING_ADDED = schema_check(
    "discriminator-mapping-added",
    INFO,
    BREAKING,
    "a discriminator value was mapped",
    "{text}",
    oasdiff=(None, INFO),
    why="a client meets a variant it does not know, as with a new enum value",
    subjects=BODY_SUBJECTS,
)
DISCRIMINATOR_MAPPING_DELETED = schema_check(
    "discriminator-mapping-deleted",
    BREAKING,
    INFO,
    "a discriminator value is no longer mapped",
    "{text}",
    oasdiff=(INFO, None),
    why="clients sending that value are refused",
    subjects=BODY_SUBJECTS,
)
DISCRIMINATOR_MAPPING_CHANGED = schema_check(
    "discriminator-mapping-changed",
    BREAKING,
    BREAKING,
    "a discriminator value maps to another schema",
    "{text}",
    oasdiff=(INFO, INFO),
    why="the same value now means another variant",
    subjects=BODY_SUBJECTS,
)


@pair_check
def discriminator(ctx: DiffContext, pair: Pair) -> None:
    old, new = (v if isinstance(v, dict) else None for v in pair.both("discriminator"))
    where, ptr = pair.where, d.join(pair.h_ptr, "discriminator")
    if old is None or new is None:
        if old != new:
            check = DISCRIMINATOR_ADDED if new else DISCRIMINATOR_REMOVED
            text = f"discriminator on `{(new or old).get('propertyName')}` {'added' if new else 'removed'}."
            ctx.schema_change(where, check, ptr if new else d.join(pair.b_ptr, "discriminator"), text=text)
        return
    if old.get("propertyName") != new.get("propertyName"):
        text = f"discriminator property `{old.get('propertyName')}` -> `{new.get('propertyName')}`."
        ctx.schema_change(where, DISCRIMINATOR_PROPERTY_CHANGED, ptr, text=text)
    old_map, new_map = d.mapping(old.get("mapping")), d.mapping(new.get("mapping"))
    for value in sorted(set(new_map) - set(old_map)):
        text = f"discriminator value `{value}` now maps to {new_map[value]}."
        ctx.schema_change(where, DISCRIMINATOR_MAPPING_ADDED, d.join(ptr, "mapping", value), text=text)
    for value in sorted(set(old_map) - set(new_map)):
        text = f"discriminator value `{value}` is no longer mapped."
        ctx.schema_change(where, DISCRIMINATOR_MAPPING_DELETED, ptr, text=text)
    for value in sorted(set(old_map) & set(new_map)):
        if old_map[value] != new_map[value]:
            text = f"discriminator value `{value}`: {old_map[value]} -> {new_map[value]}."
            ctx.schema_change(where, DISCRIMINATOR_MAPPING_CHANGED, d.join(ptr, "mapping", value), text=text)
