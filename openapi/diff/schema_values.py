"""Schema checks on the values one schema allows: type, null, enum, bounds, format, pattern, uniqueness."""

from __future__ import annotations

from typing import Any

from openapi.diff.context import DiffContext, Pair, absent, number, pair_check, show
from openapi.diff.rules import BREAKING, INFO, SCHEMA_CHECKS, WARNING, schema_check

TYPE_CHANGED = schema_check("type-changed", BREAKING, BREAKING, "the type changed incompatibly", "{text}")
TYPE_GENERALIZED = schema_check(
    "type-generalized", INFO, None, "the type accepts more (e.g. integer to number)", "{text}"
)
TYPE_NARROWED = schema_check(
    "type-narrowed",
    None,
    INFO,
    "the type returns less (e.g. number to integer)",
    "{text}",
    oasdiff_names=False,
)
TYPE_COMPATIBLE = schema_check(
    "type-compatible",
    INFO,
    INFO,
    "in a body that is text on the wire (XML, plain text), the type became or was `string`, which any "
    "value reads as",
    "{text}",
    subjects=("request-body", "request-property", "response-body", "response-property"),
)
FORMAT_CHANGED = schema_check("format-changed", BREAKING, BREAKING, "the format changed", "{text}")
FORMAT_ADDED = schema_check("format-added", BREAKING, INFO, "a format was added", "{text}")
FORMAT_REMOVED = schema_check("format-removed", INFO, WARNING, "the format was removed", "{text}")
BECAME_NULLABLE = schema_check(
    "became-nullable", INFO, BREAKING, "null is now allowed", "null is now allowed."
)
BECAME_NOT_NULLABLE = schema_check(
    "became-not-nullable", BREAKING, INFO, "null is no longer allowed", "null is no longer allowed."
)
ENUM_VALUE_ADDED = schema_check(
    "enum-value-added",
    INFO,
    BREAKING,
    "an enum value was added",
    "enum value(s) {values} added{consequence}.",
    oasdiff=(None, WARNING),
    why="generated clients switch exhaustively over the enum",
)
ENUM_VALUE_REMOVED = schema_check(
    "enum-value-removed",
    BREAKING,
    INFO,
    "an enum value was removed",
    "enum value(s) {values} removed{consequence}.",
)
ENUM_SET = schema_check(
    "enum-set",
    BREAKING,
    INFO,
    "a free value is now restricted to an enum",
    "now limited to {values}.",
    oasdiff=(BREAKING, None),
    oasdiff_as="became-enum",
)
CONST_CHANGED = schema_check(
    "const-changed",
    BREAKING,
    BREAKING,
    "the one allowed value (`const`, or a one-value enum) changed",
    "the value {old} -> {new}.",
)
ENUM_UNSET = schema_check(
    "enum-unset",
    INFO,
    WARNING,
    "the enum was removed: any value is allowed",
    "no longer limited to {values}.",
)
EXTENSIBLE_ENUM_VALUE_REMOVED = schema_check(
    "x-extensible-enum-value-removed",
    BREAKING,
    INFO,
    "a value of an `x-extensible-enum` was removed (clients sending it are refused)",
    "`x-extensible-enum` value(s) {values} removed.",
)
PATTERN_ADDED = schema_check("pattern-added", BREAKING, INFO, "a pattern was added", "{text}")
PATTERN_CHANGED = schema_check(
    "pattern-changed", BREAKING, WARNING, "the pattern changed", "{text}", oasdiff=(WARNING, INFO)
)
PATTERN_REMOVED = schema_check(
    "pattern-removed", INFO, WARNING, "the pattern was removed", "{text}", oasdiff=(None, INFO)
)
UNIQUE_SET = schema_check("unique-items-set", BREAKING, INFO, "array items must now be unique", "{text}")
UNIQUE_UNSET = schema_check(
    "unique-items-unset", INFO, WARNING, "array items no longer need to be unique", "{text}"
)
DEFAULT_CHANGED = schema_check(
    "default-changed",
    WARNING,
    None,
    "the default value changed (clients omitting it get another behaviour)",
    "default {old} -> {new}.",
    oasdiff_at={"request-parameter": BREAKING, "request-property": INFO, "request-body": INFO},
    oasdiff_as="default-value-changed",
)

DEFAULT_ADDED, DEFAULT_REMOVED = (
    schema_check(
        f"default-{action}",
        WARNING,
        None,
        f"a default value was {action} (clients omitting the value get another behaviour)",
        "default {old} -> {new}.",
        oasdiff_at={"request-parameter": BREAKING, "request-property": INFO, "request-body": INFO},
        oasdiff_as=f"default-value-{action}",
    )
    for action in ("added", "removed")
)

# JSON Schema bound -> the word in rule ids. A lower upper bound or a higher lower bound is stricter.
UPPER_BOUNDS = {
    "maxLength": "max-length",
    "maxItems": "max-items",
    "maxProperties": "max-properties",
    "maximum": "max",
    "exclusiveMaximum": "exclusive-max",
    "maxContains": "max-contains",
}
LOWER_BOUNDS = {
    "minLength": "min-length",
    "minItems": "min-items",
    "minProperties": "min-properties",
    "minimum": "min",
    "exclusiveMinimum": "exclusive-min",
    "minContains": "min-contains",
}


def bound_check(keyword: str, old: float | None, new: float | None) -> tuple[str, bool] | None:
    """(check name, stricter?) for a bound that changed, e.g. ("max-length-decreased", True)."""
    if old == new:
        return None
    upper = keyword in UPPER_BOUNDS
    word = UPPER_BOUNDS[keyword] if upper else LOWER_BOUNDS[keyword]
    if old is None:
        return f"{word}-set", True
    if new is None:
        return f"{word}-unset", False
    stricter = new < old if upper else new > old
    return f"{word}-{'decreased' if new < old else 'increased'}", stricter


def _bound_checks() -> None:
    """Four checks per bound: stricter (`-decreased`/`-increased`, `-set`) and looser, and their levels.

    oasdiff calls a bound that appears a warning in a request and a relaxed response bound breaking."""
    for keyword in (*UPPER_BOUNDS, *LOWER_BOUNDS):
        for old, new in ((None, 1), (1, None), (2, 1), (1, 2)):
            name, stricter = bound_check(keyword, old, new) or ("", False)
            if stricter:
                theirs = (WARNING if old is None else None, None)
                schema_check(name, BREAKING, INFO, f"`{keyword}` made stricter", "{text}", oasdiff=theirs)
            else:
                schema_check(name, INFO, WARNING, f"`{keyword}` relaxed", "{text}", oasdiff=(None, BREAKING))


_bound_checks()


@pair_check
def types(ctx: DiffContext, pair: Pair) -> None:
    old, new = set(pair.b.get("type") or ()), set(pair.h.get("type") or ())
    if not old or not new or old == new:
        return

    def covers(wide: set[str], narrow: set[str]) -> bool:
        return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)

    text = f"type {'/'.join(sorted(old))} -> {'/'.join(sorted(new))}."
    where = pair.where
    if where.loosely_typed and "string" in (new if where.request else old):
        ctx.schema_change(where, TYPE_COMPATIBLE, pair.h_ptr, text=text)
    elif where.request and covers(new, old):
        ctx.schema_change(where, TYPE_GENERALIZED, pair.h_ptr, text=text)
    elif not where.request and covers(old, new):
        ctx.schema_change(where, TYPE_NARROWED, pair.h_ptr, text=text)
    else:
        ctx.schema_change(where, TYPE_CHANGED, pair.h_ptr, text=text)


@pair_check
def nullability(ctx: DiffContext, pair: Pair) -> None:
    old, new = pair.both("nullable")
    if bool(old) != bool(new):
        ctx.schema_change(pair.where, BECAME_NULLABLE if new else BECAME_NOT_NULLABLE, pair.h_ptr)


@pair_check
def enum(ctx: DiffContext, pair: Pair) -> None:
    old, new = (v if isinstance(v, list) else None for v in pair.both("enum"))
    where, ptr = pair.where, pair.h_ptr
    if old is None and new is None:
        return
    if old is None:
        ctx.schema_change(where, ENUM_SET, ptr, values=show(new))
        return
    if new is None:
        ctx.schema_change(where, ENUM_UNSET, ptr, values=show(old))
        return
    old_keys, new_keys = [show(v) for v in old], [show(v) for v in new]
    if len(old_keys) == len(new_keys) == 1 and old_keys != new_keys:  # a `const` that changed
        ctx.schema_change(where, CONST_CHANGED, ptr, old=old_keys[0], new=new_keys[0])
        return
    added = [v for v in new_keys if v not in old_keys]
    removed = [v for v in old_keys if v not in new_keys]
    if added:
        consequence = "" if where.request else " (clients with an exhaustive switch break)"
        ctx.schema_change(where, ENUM_VALUE_ADDED, ptr, values=", ".join(added), consequence=consequence)
    if removed:
        consequence = " (clients sending them are refused)" if where.request else ""
        ctx.schema_change(where, ENUM_VALUE_REMOVED, ptr, values=", ".join(removed), consequence=consequence)


@pair_check
def extensible_enum(ctx: DiffContext, pair: Pair) -> None:
    """`x-extensible-enum`: the known values, others allowed; a removed one is no longer accepted."""
    old, new = (v if isinstance(v, list) else [] for v in pair.both("x-extensible-enum"))
    removed = [show(v) for v in old if v not in new]
    if removed and new:
        ctx.schema_change(pair.where, EXTENSIBLE_ENUM_VALUE_REMOVED, pair.h_ptr, values=", ".join(removed))


@pair_check
def bounds(ctx: DiffContext, pair: Pair) -> None:
    for keyword in (*UPPER_BOUNDS, *LOWER_BOUNDS):
        old, new = pair.both(keyword)
        found = bound_check(keyword, number(old), number(new))
        if found:
            text = f"`{keyword}` {absent(old)} -> {absent(new)}."
            ctx.schema_change(pair.where, SCHEMA_CHECKS[found[0]], pair.h_ptr, text=text)


def _presence(old: Any, new: Any, changed: Any, added: Any, removed: Any) -> Any:
    if old is not None and new is not None:
        return changed
    return added if old is None else removed


@pair_check
def format_and_pattern(ctx: DiffContext, pair: Pair) -> None:
    for keyword, checks in (
        ("format", (FORMAT_CHANGED, FORMAT_ADDED, FORMAT_REMOVED)),
        ("pattern", (PATTERN_CHANGED, PATTERN_ADDED, PATTERN_REMOVED)),
    ):
        old, new = pair.both(keyword)
        if old != new:
            text = f"`{keyword}` {absent(old)} -> {absent(new)}."
            ctx.schema_change(pair.where, _presence(old, new, *checks), pair.h_ptr, text=text)


@pair_check
def unique_items(ctx: DiffContext, pair: Pair) -> None:
    old, new = (v is True for v in pair.both("uniqueItems"))
    if old != new:
        text = f"`uniqueItems` {old} -> {new}."
        ctx.schema_change(pair.where, UNIQUE_SET if new else UNIQUE_UNSET, pair.h_ptr, text=text)


@pair_check
def default(ctx: DiffContext, pair: Pair) -> None:
    had, has = "default" in pair.b, "default" in pair.h
    if not pair.where.request or (not had and not has) or pair.b.get("default") == pair.h.get("default"):
        return
    check = DEFAULT_CHANGED if had and has else DEFAULT_ADDED if has else DEFAULT_REMOVED
    old, new = (show(side["default"]) if "default" in side else "(none)" for side in (pair.b, pair.h))
    ctx.schema_change(pair.where, check, pair.h_ptr, old=old, new=new)
