"""Lifecycle: deprecation, sunset dates (`x-sunset`) and stability levels (`x-stability-level`).

Removing an operation or parameter that was never deprecated breaks its clients; removing it after a
deprecation announced its sunset, once that day has passed, is what deprecation is for. A stability level
(draft < alpha < beta < stable) is a promise: lowering it breaks those who relied on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openapi import document as d
from openapi.diff.context import DiffContext, Pair, operation_check, pair_check
from openapi.diff.rules import BREAKING, INFO, Rule, define, schema_check

STABILITY_LEVELS = ("draft", "alpha", "beta", "stable")
STABILITY, SUNSET = "x-stability-level", "x-sunset"
INVALID = object()

DEPRECATED = define(
    "api-deprecated",
    INFO,
    "an operation was marked deprecated",
    "{label} is now deprecated.",
    oasdiff_id="endpoint-deprecated",
)
REACTIVATED = define(
    "api-reactivated",
    INFO,
    "a deprecated operation is no longer deprecated",
    "{label} is no longer deprecated.",
    oasdiff_id="endpoint-reactivated",
)
INVALID_STABILITY = define(
    "api-invalid-stability-level",
    BREAKING,
    "an `x-stability-level` is not one of draft, alpha, beta, stable (the policy cannot be applied)",
    "{where}: `x-stability-level` {value} is not one of draft, alpha, beta, stable.",
)
STABILITY_DECREASED = define(
    "api-stability-decreased",
    BREAKING,
    "an operation's stability level was lowered (e.g. stable to beta)",
    "{label}: stability {old} -> {new}: clients relying on the promise break.",
)
STABILITY_INCREASED = define(
    "api-stability-increased",
    INFO,
    "an operation's stability level was raised",
    "{label}: stability {old} -> {new}.",
)
SUNSET_DELETED = define(
    "api-sunset-deleted",
    BREAKING,
    "a deprecated operation's sunset date was deleted",
    "{label}: the sunset date `{old}` was deleted: clients no longer know when it goes.",
    oasdiff_id="sunset-deleted",
)
SUNSET_PARSE = define(
    "api-path-sunset-parse",
    BREAKING,
    "a deprecated operation's `x-sunset` is not a date (YYYY-MM-DD or RFC 3339)",
    "{label}: `x-sunset` {value} is not a date (YYYY-MM-DD or RFC 3339).",
)
DEPRECATED_SUNSET_PARSE = define(
    "api-deprecated-sunset-parse",
    BREAKING,
    "an operation was deprecated with an `x-sunset` that is not a date",
    "{label} was deprecated with `x-sunset` {value}, which is not a date.",
)
DEPRECATED_SUNSET_MISSING = define(
    "api-deprecated-sunset-missing",
    BREAKING,
    "an operation was deprecated without the `x-sunset` its deprecation period requires",
    "{label} was deprecated without `x-sunset` (at least {days} days' notice is required).",
)
SUNSET_TOO_SMALL = define(
    "api-sunset-date-too-small",
    BREAKING,
    "an operation was deprecated with a sunset sooner than its deprecation period",
    "{label} was deprecated with sunset {sunset}, less than {days} days away.",
)
SUNSET_CHANGED_TOO_SMALL = define(
    "api-sunset-date-changed-too-small",
    BREAKING,
    "a sunset date was brought forward to sooner than the deprecation period",
    "{label}: sunset {old} -> {new}, less than {days} days away.",
)


@dataclass(frozen=True, slots=True)
class RemovalRules:
    """What removing a thing is, by how it was deprecated."""

    never_deprecated: Rule
    deprecated: Rule  # no sunset date
    before_sunset: Rule
    after_sunset: Rule
    unparsable: Rule


def removal_rules(
    prefix: str, summary: str, never: Rule, parse: Rule, oasdiff_prefix: str | None = None
) -> RemovalRules:
    """The rules for removing one kind of thing (`api-path`, `request-parameter`...), named as oasdiff
    names them after `oasdiff_prefix` when it differs."""

    def theirs(suffix: str) -> str | None:
        return f"{oasdiff_prefix}-{suffix}" if oasdiff_prefix else None

    return RemovalRules(
        never,
        define(
            f"{prefix}-removed-with-deprecation",
            INFO,
            f"{summary} was removed after its deprecation (no sunset date)",
            "{what} was removed; it was deprecated.",
            oasdiff_id=theirs("removed-with-deprecation"),
        ),
        define(
            f"{prefix}-removed-before-sunset",
            BREAKING,
            f"{summary} was removed before its sunset date",
            "{what} was removed before its sunset {sunset}: clients were promised it until then.",
            oasdiff_id=theirs("removed-before-sunset"),
        ),
        define(
            f"{prefix}-removed-after-sunset",
            INFO,
            f"{summary} was removed after its sunset date",
            "{what} was removed after its sunset {sunset}, as announced.",
            oasdiff_id="",
        ),
        parse,
    )


def stability(node: Any) -> str | object | None:
    """The `x-stability-level` of an operation or schema: None when absent, INVALID when not a level."""
    value = d.mapping(node).get(STABILITY)
    if value is None:
        return None
    return value if value in STABILITY_LEVELS else INVALID


def sunset(node: Any) -> date | object | None:
    """The `x-sunset` date: None when absent, INVALID when it is not YYYY-MM-DD or RFC 3339."""
    value = d.mapping(node).get(SUNSET)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):  # YAML reads an unquoted date as one
        return value
    text = str(value)
    for parse in (date.fromisoformat, lambda v: datetime.fromisoformat(v).date()):
        try:
            return parse(text) if len(text) >= 10 else INVALID
        except ValueError:
            continue
    return INVALID


def _quoted(value: Any) -> str:
    return f"`{value}`"


def removal(ctx: DiffContext, node: dict[str, Any], rules: RemovalRules) -> tuple[Rule, dict[str, Any]]:
    """The rule for removing `node` (an operation or parameter) and its message fields."""
    if node.get("deprecated") is not True:
        return rules.never_deprecated, {}
    when = sunset(node)
    if when is None:
        return rules.deprecated, {}
    if when is INVALID:
        return rules.unparsable, {"value": _quoted(node.get(SUNSET))}
    fields = {"sunset": str(when)}
    return (rules.before_sunset if when > ctx.policy.deprecation.now() else rules.after_sunset), fields


def _check_stability(ctx: DiffContext, node: Any, ptr: str, op: d.Operation, where: str) -> object:
    level = stability(node)
    if level is INVALID:
        value = _quoted(d.mapping(node).get(STABILITY))
        ctx.emit(INVALID_STABILITY, d.join(ptr, STABILITY), op, where=where, value=value)
    return level


def invalid_stability_of_removed(ctx: DiffContext, op: d.Operation) -> None:
    """A removed operation's invalid stability level is still reported (the policy could not judge it)."""
    _check_stability(ctx, op.node, op.pointer, op, op.label)


@operation_check
def operation_lifecycle(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    old_level = _check_stability(ctx, b.node, b.pointer, h, b.label)
    new_level = _check_stability(ctx, h.node, h.pointer, h, h.label)
    if INVALID not in (old_level, new_level):
        old_rank = STABILITY_LEVELS.index(old_level or "stable")
        new_rank = STABILITY_LEVELS.index(new_level or "stable")
        if old_rank != new_rank:
            rule = STABILITY_DECREASED if new_rank < old_rank else STABILITY_INCREASED
            ctx.emit(
                rule, d.join(h.pointer, STABILITY), h, old=old_level or "stable", new=new_level or "stable"
            )
    was, now = b.node.get("deprecated") is True, h.node.get("deprecated") is True
    if now and not was:
        newly_deprecated(ctx, h.node, h.pointer, h, OPERATION_DEPRECATION)
    elif was and not now:
        ctx.emit(REACTIVATED, d.join(h.pointer, "deprecated"), h)
    elif now:
        sunset_changed(ctx, b.node, b.pointer, h.node, h.pointer, h, OPERATION_SUNSET)


@dataclass(frozen=True, slots=True)
class DeprecationRules:
    """What deprecating a thing is, by the sunset it announces and the deprecation period."""

    deprecated: Rule
    unparsable: Rule
    sunset_missing: Rule
    too_small: Rule


OPERATION_DEPRECATION = DeprecationRules(
    DEPRECATED, DEPRECATED_SUNSET_PARSE, DEPRECATED_SUNSET_MISSING, SUNSET_TOO_SMALL
)


def newly_deprecated(
    ctx: DiffContext,
    node: dict[str, Any],
    ptr: str,
    op: d.Operation,
    rules: DeprecationRules,
    **fields: Any,
) -> None:
    """A thing deprecated in HEAD: its sunset must parse and, with a period for the operation's stability,
    be far enough."""
    level = stability(op.node)
    days = ctx.policy.deprecation.days(level if isinstance(level, str) else None)
    when = sunset(node)
    if when is INVALID:
        ctx.emit(rules.unparsable, d.join(ptr, SUNSET), op, value=_quoted(node.get(SUNSET)), **fields)
    elif when is None and days > 0:
        ctx.emit(rules.sunset_missing, d.join(ptr, "deprecated"), op, days=days, **fields)
    elif isinstance(when, date) and (when - ctx.policy.deprecation.now()).days < days:
        ctx.emit(rules.too_small, d.join(ptr, SUNSET), op, sunset=str(when), days=days, **fields)
    else:
        ctx.emit(rules.deprecated, d.join(ptr, "deprecated"), op, **fields)


@dataclass(frozen=True, slots=True)
class SunsetRules:
    """What a changed sunset date of a still deprecated thing is."""

    deleted: Rule
    unparsable: Rule
    too_small: Rule


def sunset_changed(
    ctx: DiffContext,
    old_node: dict[str, Any],
    old_ptr: str,
    new_node: dict[str, Any],
    new_ptr: str,
    op: d.Operation,
    rules: SunsetRules,
    **fields: Any,
) -> None:
    """Report a deleted, unparsable or brought-forward sunset date of something deprecated in both."""
    old, new = sunset(old_node), sunset(new_node)
    if old_node.get(SUNSET) == new_node.get(SUNSET):
        return
    if new is None:
        ctx.emit(rules.deleted, d.join(old_ptr, SUNSET), op, old=old_node.get(SUNSET), **fields)
    elif INVALID in (old, new):
        bad = new_node.get(SUNSET) if new is INVALID else old_node.get(SUNSET)
        ctx.emit(rules.unparsable, d.join(new_ptr, SUNSET), op, value=_quoted(bad), **fields)
    elif isinstance(old, date) and isinstance(new, date) and new < old:
        level = stability(new_node)
        days = ctx.policy.deprecation.days(level if isinstance(level, str) else None)
        if (new - ctx.policy.deprecation.now()).days < days:
            ctx.emit(
                rules.too_small, d.join(new_ptr, SUNSET), op, old=str(old), new=str(new), days=days, **fields
            )


OPERATION_SUNSET = SunsetRules(SUNSET_DELETED, SUNSET_PARSE, SUNSET_CHANGED_TOO_SMALL)


# A property's stability level, in a request or a response.
PROPERTY_STABILITY_DECREASED = schema_check(
    "stability-decreased", BREAKING, BREAKING, "its stability level was lowered", "stability {old} -> {new}."
)
PROPERTY_STABILITY_INCREASED = schema_check(
    "stability-increased", INFO, INFO, "its stability level was raised", "stability {old} -> {new}."
)


@pair_check
def property_stability(ctx: DiffContext, pair: Pair) -> None:
    where = pair.where
    old = _check_stability(ctx, pair.raw[0], pair.b_ptr, where.op, where.what)
    new = _check_stability(ctx, pair.raw[1], pair.h_ptr, where.op, where.what)
    if INVALID in (old, new) or old == new or (old is None and new is None):
        return
    old_rank, new_rank = (STABILITY_LEVELS.index(v or "stable") for v in (old, new))
    if old_rank != new_rank:
        check = PROPERTY_STABILITY_DECREASED if new_rank < old_rank else PROPERTY_STABILITY_INCREASED
        ctx.schema_change(
            where, check, d.join(pair.h_ptr, STABILITY), old=old or "stable", new=new or "stable"
        )


PROPERTY_SUBJECTS = ("request-property", "response-property")
PROPERTY_DEPRECATED = schema_check(
    "deprecated",
    INFO,
    INFO,
    "the property was marked deprecated",
    "now deprecated.",
    subjects=PROPERTY_SUBJECTS,
)
PROPERTY_REACTIVATED = schema_check(
    "reactivated",
    INFO,
    INFO,
    "the property is no longer deprecated",
    "no longer deprecated.",
    subjects=PROPERTY_SUBJECTS,
)


PROPERTY_SUNSET_INVALID = schema_check(
    "deprecated-sunset-invalid",
    BREAKING,
    BREAKING,
    "the property was deprecated with an `x-sunset` that is not a date",
    "deprecated with `x-sunset` {value}, which is not a date.",
    subjects=PROPERTY_SUBJECTS,
)
PROPERTY_SUNSET_MISSING = schema_check(
    "deprecated-sunset-missing",
    BREAKING,
    BREAKING,
    "the property was deprecated without the `x-sunset` its deprecation period requires",
    "deprecated without `x-sunset` (at least {days} days' notice is required).",
    subjects=PROPERTY_SUBJECTS,
)
PROPERTY_SUNSET_TOO_SMALL = schema_check(
    "sunset-date-too-small",
    BREAKING,
    BREAKING,
    "the property was deprecated with a sunset sooner than its deprecation period",
    "deprecated with sunset {sunset}, less than {days} days away.",
    subjects=PROPERTY_SUBJECTS,
)
PROPERTY_DEPRECATION = {
    subject: DeprecationRules(
        *(
            check.rules[subject]
            for check in (
                PROPERTY_DEPRECATED,
                PROPERTY_SUNSET_INVALID,
                PROPERTY_SUNSET_MISSING,
                PROPERTY_SUNSET_TOO_SMALL,
            )
        )
    )
    for subject in PROPERTY_SUBJECTS
}


@pair_check
def property_deprecation(ctx: DiffContext, pair: Pair) -> None:
    where = pair.where
    (old, new), ptr = pair.raw, pair.h_ptr
    was, now = old.get("deprecated") is True, new.get("deprecated") is True
    if now and not was and where.subject in PROPERTY_DEPRECATION:
        rules = PROPERTY_DEPRECATION[where.subject]
        newly_deprecated(ctx, new, ptr, where.op, rules, via=where.via, what=where.what)
    elif was and not now:
        ctx.schema_change(where, PROPERTY_REACTIVATED, d.join(ptr, "deprecated"))
