"""Schema checks on composition: `anyOf`/`oneOf`/`allOf` branches, and the discriminator that picks one."""

from __future__ import annotations

from typing import Any

from openapi import document as d
from openapi.diff.context import DiffContext, Pair, pair_check
from openapi.diff.normalize import has_assertions
from openapi.diff.rules import BREAKING, INFO, WARNING, schema_check

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
