"""Request bodies and responses: their presence, statuses, media types, headers, and their schemas."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from openapi import document as d
from openapi.diff.context import DiffContext, Where, operation_check
from openapi.diff.rules import BREAKING, INFO, WARNING, define

NEW_REQUIRED_BODY = define(
    "new-required-request-body",
    BREAKING,
    "an operation now requires a request body",
    "{label} now requires a request body.",
    oasdiff_id="request-body-added-required",
)
NEW_OPTIONAL_BODY = define(
    "new-optional-request-body",
    INFO,
    "an operation now accepts an optional request body",
    "{label} accepts an optional request body.",
    oasdiff_id="request-body-added-optional",
)
BODY_REMOVED = define(
    "request-body-removed",
    WARNING,
    "the request body was removed (clients still send one)",
    "{label} no longer takes a request body.",
    oasdiff=BREAKING,
)
BODY_BECAME_REQUIRED = define(
    "request-body-became-required",
    BREAKING,
    "the request body became required",
    "the request body became required: clients that send none are refused.",
)
BODY_BECAME_OPTIONAL = define(
    "request-body-became-optional",
    INFO,
    "the request body became optional",
    "the request body became optional.",
)
REQUEST_MEDIA_REMOVED = define(
    "request-body-media-type-removed",
    BREAKING,
    "a request media type is no longer accepted",
    "media type `{media}` was removed: clients sending it are refused.",
)
REQUEST_MEDIA_ADDED = define(
    "request-body-media-type-added", INFO, "a request media type was added", "media type `{media}` was added."
)
MEDIA_SCHEMA = {
    (direction, action): define(
        f"{direction}-body-media-type-schema-{action}",
        level,
        f"a {direction} media type {'now has' if action == 'added' else 'no longer has'} a schema",
        f"media type `{{media}}` {'now has' if action == 'added' else 'no longer has'} a schema.",
    )
    for direction, action, level in (
        ("request", "added", BREAKING),  # any body was accepted; now only what the schema allows
        ("request", "removed", INFO),
        ("response", "added", INFO),
        ("response", "removed", WARNING),  # clients no longer know what they get
    )
}
MEDIA_RENAMED = {
    kind: define(f"response-media-type-name-{kind}", level, summary, message)
    for kind, level, summary, message in (
        (
            "specialized",
            INFO,
            "a response media type became more specific (`application/json` to `application/problem+json`)",
            "media type `{old}` is now `{new}` (still {family}).",
        ),
        (
            "generalized",
            BREAKING,
            "a response media type became less specific (`application/problem+json` to `application/json`)",
            "media type `{old}` is now `{new}`: clients reading it as `{old}` break.",
        ),
        (
            "changed",
            INFO,
            "a response media type's parameters changed (`; charset=...`)",
            "media type `{old}` is now `{new}`.",
        ),
    )
}
SUCCESS_STATUS_REMOVED = define(
    "response-success-status-removed",
    BREAKING,
    "a 2xx/3xx response status was removed",
    "response {status} was removed: clients expecting it break.",
)
ERROR_STATUS_REMOVED = define(
    "response-non-success-status-removed",
    WARNING,
    "an error response status was removed",
    "response {status} was removed.",
    oasdiff=INFO,
    why="a client's handler for that status goes unused; it may also have relied on it",
)
STATUS_ADDED = define(
    "response-status-added",
    INFO,
    "a 2xx/3xx response status was added",
    "response {status} is new.",
    oasdiff_id="response-success-status-added",
)
ERROR_STATUS_ADDED = define(
    "response-non-success-status-added",
    INFO,
    "an error response status was added",
    "response {status} is new.",
)
RESPONSE_MEDIA_REMOVED = define(
    "response-media-type-removed",
    BREAKING,
    "a response media type was removed",
    "media type `{media}` was removed: clients expecting it break.",
)
RESPONSE_MEDIA_ADDED = define(
    "response-media-type-added", INFO, "a response media type was added", "media type `{media}` was added."
)
HEADER_REMOVED = define(
    "response-header-removed",
    BREAKING,
    "a required response header was removed",
    "response {status} header `{name}` was removed.",
    oasdiff_id="required-response-header-removed",
)
OPTIONAL_HEADER_REMOVED = define(
    "response-optional-header-removed",
    WARNING,
    "an optional response header was removed",
    "response {status} header `{name}` was removed.",
    oasdiff_id="optional-response-header-removed",
)
HEADER_ADDED = define(
    "response-header-added", INFO, "a response header was added", "response {status} header `{name}` is new."
)
HEADER_BECAME_OPTIONAL = define(
    "response-header-became-optional",
    BREAKING,
    "a required response header became optional",
    "response {status} header `{name}` became optional: clients relying on it break.",
)


def _body(ctx: DiffContext, side: str, op: d.Operation) -> tuple[dict[str, Any] | None, str]:
    body, ptr = ctx.resolve(side, op.node.get("requestBody"), d.join(op.pointer, "requestBody"))
    return (body if isinstance(body, dict) else None), ptr


@operation_check
def request_body(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    (old, old_ptr), (new, new_ptr) = _body(ctx, "base", b), _body(ctx, "head", h)
    if old is None and new is None:
        return
    if old is None:
        ctx.emit(NEW_REQUIRED_BODY if new.get("required") is True else NEW_OPTIONAL_BODY, new_ptr, h)
        return
    if new is None:
        ctx.emit(BODY_REMOVED, old_ptr, h)
        return
    if new.get("required") is True and old.get("required") is not True:
        ctx.emit(BODY_BECAME_REQUIRED, new_ptr, h)
    elif old.get("required") is True and new.get("required") is not True:
        ctx.emit(BODY_BECAME_OPTIONAL, new_ptr, h)
    content(
        ctx, old, old_ptr, new, new_ptr, Where(h, "request", "request-body", d.join(h.pointer, "requestBody"))
    )


def content(
    ctx: DiffContext, old: dict[str, Any], old_ptr: str, new: dict[str, Any], new_ptr: str, where: Where
) -> None:
    """Media types of a body, response or parameter: removed, added, and their schemas compared."""
    old_media, new_media = d.mapping(old.get("content")), d.mapping(new.get("content"))
    in_parameter = where.subject == "request-parameter"
    removed_rule = REQUEST_MEDIA_REMOVED if where.request else RESPONSE_MEDIA_REMOVED
    added_rule = REQUEST_MEDIA_ADDED if where.request else RESPONSE_MEDIA_ADDED
    renamed = {} if where.request or in_parameter else _renamed(ctx, old_media, new_media, new_ptr, where)
    for media in old_media:
        if media not in new_media and media not in renamed and not in_parameter:
            ctx.emit(removed_rule, d.join(old_ptr, "content", media), where.op, where.via, media=media)
    pairs = [(media, media) for media in new_media if media in old_media] + list(renamed.items())
    for media in new_media:
        if media not in old_media and media not in renamed.values() and not in_parameter:
            ctx.emit(added_rule, d.join(new_ptr, "content", media), where.op, where.via, media=media)
    for old_name, media in pairs:
        b_media, h_media = old_media[old_name], new_media[media]
        if isinstance(b_media, dict) and isinstance(h_media, dict):
            had, has = "schema" in b_media, "schema" in h_media
            if had != has and not in_parameter:
                rule = MEDIA_SCHEMA[where.direction, "added" if has else "removed"]
                ctx.emit(rule, d.join(new_ptr, "content", media), where.op, where.via, media=media)
            ctx.compare(
                b_media.get("schema"),
                d.join(old_ptr, "content", old_name, "schema"),
                h_media.get("schema"),
                d.join(new_ptr, "content", media, "schema"),
                replace(where.along("content", media, "schema"), media=media),
            )


def _family(media: str) -> tuple[str, str]:
    """(`type/subtype` without parameters, the same without a `x+` prefix): `application/problem+json;
    charset=utf-8` -> (`application/problem+json`, `application/json`)."""
    name = media.split(";")[0].strip().lower()
    kind, _, subtype = name.partition("/")
    return name, f"{kind}/{subtype.rsplit('+', 1)[-1]}"


def _renamed(
    ctx: DiffContext, old: dict[str, Any], new: dict[str, Any], new_ptr: str, where: Where
) -> dict[str, str]:
    """Response media types that became another of their family (old name -> new name), reported."""
    gone = [m for m in old if m not in new]
    came = [m for m in new if m not in old]
    out: dict[str, str] = {}
    for old_name in gone:
        old_exact, family = _family(old_name)
        match = next((m for m in came if _family(m)[1] == family and m not in out.values()), None)
        if match is None:
            continue
        new_exact = _family(match)[0]
        if new_exact == old_exact:
            kind = "changed"
        else:  # only a plain type made more specific keeps every client that read the plain one
            kind = "specialized" if old_exact == family else "generalized"
        ctx.emit(
            MEDIA_RENAMED[kind],
            d.join(new_ptr, "content", match),
            where.op,
            where.via,
            old=old_name,
            new=match,
            family=family,
        )
        out[old_name] = match
    return out


@operation_check
def responses(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    old_all, new_all = d.mapping(b.node.get("responses")), d.mapping(h.node.get("responses"))
    for status in old_all:
        if status not in new_all:
            success = str(status)[:1] in ("2", "3")
            rule = SUCCESS_STATUS_REMOVED if success else ERROR_STATUS_REMOVED
            ctx.emit(rule, d.join(b.pointer, "responses", status), h, status=status)
    for status, raw in new_all.items():
        ptr = d.join(h.pointer, "responses", status)
        if status not in old_all:
            success = str(status)[:1] in ("2", "3")
            ctx.emit(STATUS_ADDED if success else ERROR_STATUS_ADDED, ptr, h, status=status)
            continue
        old, old_ptr = ctx.resolve("base", old_all[status], d.join(b.pointer, "responses", status))
        new, new_ptr = ctx.resolve("head", raw, ptr)
        if not (isinstance(old, dict) and isinstance(new, dict)):
            continue
        where = Where(h, "response", "response-body", ptr)
        content(ctx, old, old_ptr, new, new_ptr, where)
        _headers(ctx, old, old_ptr, new, new_ptr, where.along("headers"), status)


def _headers(
    ctx: DiffContext,
    old: dict[str, Any],
    old_ptr: str,
    new: dict[str, Any],
    new_ptr: str,
    where: Where,
    status: str,
) -> None:
    old_headers, new_headers = d.mapping(old.get("headers")), d.mapping(new.get("headers"))
    old_names = {name.lower(): name for name in old_headers}
    new_names = {name.lower(): name for name in new_headers}
    for low, name in old_names.items():
        if low not in new_names:
            header, _ = ctx.resolve("base", old_headers[name])
            required = isinstance(header, dict) and header.get("required") is True
            rule = HEADER_REMOVED if required else OPTIONAL_HEADER_REMOVED
            ctx.emit(rule, d.join(old_ptr, "headers", name), where.op, where.via, status=status, name=name)
    for low, name in new_names.items():
        ptr = d.join(new_ptr, "headers", name)
        if low not in old_names:
            ctx.emit(HEADER_ADDED, ptr, where.op, where.via, status=status, name=name)
            continue
        old_name = old_names[low]
        b_header, b_ptr = ctx.resolve("base", old_headers[old_name], d.join(old_ptr, "headers", old_name))
        h_header, h_ptr = ctx.resolve("head", new_headers[name], ptr)
        if not (isinstance(b_header, dict) and isinstance(h_header, dict)):
            continue
        if b_header.get("required") is True and h_header.get("required") is not True:
            ctx.emit(HEADER_BECAME_OPTIONAL, h_ptr, where.op, where.via, status=status, name=name)
        header_where = replace(
            where, subject="response-header", via=d.join(where.via, name, "schema"), name=name
        )
        ctx.compare(
            b_header.get("schema"),
            d.join(b_ptr, "schema"),
            h_header.get("schema"),
            d.join(h_ptr, "schema"),
            header_where,
        )
