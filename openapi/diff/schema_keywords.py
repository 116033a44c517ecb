"""Schema checks on the JSON Schema 2020-12 keywords OpenAPI 3.1 allows beyond types and bounds.

Subschemas that constrain the value (`contains`, `if`/`then`/`else`, `not`, `propertyNames`,
`contentSchema`, `unevaluatedItems`/`unevaluatedProperties`), keyed ones (`patternProperties`,
`dependentSchemas`, `dependentRequired`), tuple positions (`prefixItems`) and the content keywords. A
constraint that appears makes a request stricter; one that goes makes a response looser. Where both
documents have the subschema, the walk descends into it.
"""

from __future__ import annotations

from typing import Any

from openapi import document as d
from openapi.diff.context import DiffContext, Pair, absent, pair_check, show
from openapi.diff.rules import BREAKING, INFO, WARNING, SchemaCheck, schema_check

# keyword -> (word in rule ids, suffix of the name inside it, descend?); `if` alone constrains nothing
# and `not` inverts what it holds, so the walk does not descend into them.
SUBSCHEMAS: dict[str, tuple[str, str, bool]] = {
    "contains": ("contains", "[contains]", True),
    "if": ("if", "", False),
    "then": ("then", "", True),
    "else": ("else", "", True),
    "not": ("not", "", False),
    "propertyNames": ("property-names", "{names}", True),
    "contentSchema": ("content-schema", "{content}", True),
    "unevaluatedItems": ("unevaluated-items", "[]", True),
    "unevaluatedProperties": ("unevaluated-properties", ".*", True),
}
IF_WHY = "`if` alone constrains nothing; its `then`/`else` do and are reported on their own"
STRICTER, LOOSER = (BREAKING, INFO), (INFO, BREAKING)  # (request, response) levels


def _added_removed(
    word: str,
    keyword: str,
    levels: tuple[tuple[str, str], tuple[str, str]] = (STRICTER, LOOSER),
    **extra: Any,
) -> tuple[SchemaCheck, SchemaCheck]:
    """`<word>-added` and `<word>-removed`, by default: a constraint added breaks requests, one removed
    breaks responses."""
    added, removed = (
        schema_check(f"{word}-{action}", *level, f"`{keyword}` was {action}", "{text}", **options)
        for action, level, options in zip(
            ("added", "removed"), levels, (extra.get("added", {}), extra.get("removed", {})), strict=True
        )
    )
    return added, removed


def _subschema_checks(keyword: str, word: str) -> tuple[SchemaCheck, SchemaCheck]:
    if keyword == "if":
        return _added_removed(
            word,
            keyword,
            ((INFO, INFO), (INFO, INFO)),
            added={"oasdiff": (BREAKING, None), "why": IF_WHY},
            removed={"oasdiff": (None, BREAKING), "why": IF_WHY},
        )
    if keyword == "not":
        return _added_removed(word, keyword, added={"oasdiff_names": False}, removed={"oasdiff_names": False})
    return _added_removed(word, keyword)


SUBSCHEMA_CHECKS = {keyword: _subschema_checks(keyword, word) for keyword, (word, _, _) in SUBSCHEMAS.items()}
NOT_CHANGED = schema_check(
    "not-changed",
    WARNING,
    WARNING,
    "the `not` subschema changed: the values it refuses changed",
    "{text}",
    oasdiff_names=False,
)
PATTERN_PROPERTY_ADDED, PATTERN_PROPERTY_REMOVED = _added_removed("pattern-property", "patternProperties")
DEPENDENT_SCHEMA_ADDED, DEPENDENT_SCHEMA_REMOVED = _added_removed("dependent-schema", "dependentSchemas")
DEPENDENT_REQUIRED_ADDED, DEPENDENT_REQUIRED_REMOVED = _added_removed(
    "dependent-required", "dependentRequired"
)
DEPENDENT_REQUIRED_CHANGED = schema_check(
    "dependent-required-changed",
    BREAKING,
    BREAKING,
    "the properties a property requires changed",
    "{text}",
)
# oasdiff: a tuple position removed from a request, or added to a response, is breaking.
PREFIX_ITEMS_ADDED, PREFIX_ITEMS_REMOVED = _added_removed("prefix-items", "prefixItems", (LOOSER, STRICTER))
CONTENT_MEDIA_TYPE_CHANGED = schema_check(
    "content-media-type-changed", BREAKING, BREAKING, "`contentMediaType` changed", "{text}"
)
CONTENT_ENCODING_CHANGED = schema_check(
    "content-encoding-changed", BREAKING, BREAKING, "`contentEncoding` changed", "{text}"
)


def _present(value: Any) -> bool:
    return value is not None and value is not True and value != {}  # `true`/`{}` allow everything


@pair_check
def subschemas(ctx: DiffContext, pair: Pair) -> None:
    for keyword, (_, suffix, descend) in SUBSCHEMAS.items():
        old, new = pair.both(keyword)
        added, removed = SUBSCHEMA_CHECKS[keyword]
        text = f"`{keyword}` {absent(old)} -> {absent(new)}."
        if not _present(old) and _present(new):
            ctx.schema_change(pair.where, added, d.join(pair.h_ptr, keyword), text=text)
        elif _present(old) and not _present(new):
            ctx.schema_change(pair.where, removed, d.join(pair.b_ptr, keyword), text=text)
        elif keyword == "not" and old != new:
            ctx.schema_change(pair.where, NOT_CHANGED, d.join(pair.h_ptr, keyword), text=text)
        elif descend and isinstance(old, dict) and isinstance(new, dict):
            where = (
                pair.where.into((keyword,), pair.where.name + suffix) if suffix else pair.where.along(keyword)
            )
            ctx.compare_below(pair, where, keyword)


def _keyed(ctx: DiffContext, pair: Pair, keyword: str, added: SchemaCheck, removed: SchemaCheck) -> list[str]:
    """Keys of a keyword's mapping added or removed; returns the keys both sides have."""
    old, new = d.mapping(pair.b.get(keyword)), d.mapping(pair.h.get(keyword))
    for key in new.keys() - old.keys():
        ctx.schema_change(
            pair.where, added, d.join(pair.h_ptr, keyword, key), text=f"`{keyword}` `{key}` was added."
        )
    for key in old.keys() - new.keys():
        ctx.schema_change(
            pair.where, removed, d.join(pair.b_ptr, keyword, key), text=f"`{keyword}` `{key}` was removed."
        )
    return sorted(old.keys() & new.keys())


@pair_check
def keyed(ctx: DiffContext, pair: Pair) -> None:
    where = pair.where
    for key in _keyed(ctx, pair, "patternProperties", PATTERN_PROPERTY_ADDED, PATTERN_PROPERTY_REMOVED):
        inside = where.into(("patternProperties", key), f"{where.name}.<{key}>")
        ctx.compare_below(pair, inside, "patternProperties", key)
    for key in _keyed(ctx, pair, "dependentSchemas", DEPENDENT_SCHEMA_ADDED, DEPENDENT_SCHEMA_REMOVED):
        ctx.compare_below(pair, where.along("dependentSchemas", key), "dependentSchemas", key)
    for key in _keyed(ctx, pair, "dependentRequired", DEPENDENT_REQUIRED_ADDED, DEPENDENT_REQUIRED_REMOVED):
        old, new = pair.b["dependentRequired"][key], pair.h["dependentRequired"][key]
        if sorted(map(show, d.sequence(old))) != sorted(map(show, d.sequence(new))):
            text = f"`dependentRequired` `{key}` {show(old)} -> {show(new)}."
            ctx.schema_change(
                where, DEPENDENT_REQUIRED_CHANGED, d.join(pair.h_ptr, "dependentRequired", key), text=text
            )


@pair_check
def prefix_items(ctx: DiffContext, pair: Pair) -> None:
    """Tuple positions added or removed (`schema_structure.items` compares the positions both have)."""
    old, new = d.sequence(pair.b.get("prefixItems")), d.sequence(pair.h.get("prefixItems"))
    text = f"`prefixItems` {len(old)} -> {len(new)} position(s)."
    if len(new) > len(old):
        ctx.schema_change(pair.where, PREFIX_ITEMS_ADDED, d.join(pair.h_ptr, "prefixItems"), text=text)
    elif len(new) < len(old):
        ctx.schema_change(pair.where, PREFIX_ITEMS_REMOVED, d.join(pair.b_ptr, "prefixItems"), text=text)


@pair_check
def content_keywords(ctx: DiffContext, pair: Pair) -> None:
    """`contentMediaType`/`contentEncoding`: a string now decoded another way (either direction breaks)."""
    for keyword, check in (
        ("contentMediaType", CONTENT_MEDIA_TYPE_CHANGED),
        ("contentEncoding", CONTENT_ENCODING_CHANGED),
    ):
        old, new = pair.both(keyword)
        if old != new:
            text = f"`{keyword}` {absent(old)} -> {absent(new)}."
            ctx.schema_change(pair.where, check, d.join(pair.h_ptr, keyword), text=text)
