"""Lint rules that make a document true, complete and friendly to code generators; each has a stable id."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)

from openapi import document as d
from openapi import schema_walk as sw

OPERATION_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NUMBERED_NAME = re.compile(r"^(?P<stem>.*[^0-9])(?P<number>[0-9]+)$")
ERROR_STATUS = re.compile(r"^[45]([0-9]{2}|XX)$")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: which rule, where (JSON pointer, and the operation when there is one), how to fix it."""

    rule: str
    pointer: str
    message: str
    operation: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "pointer": self.pointer,
            "operation": self.operation,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    summary: str
    check: Callable[[Context], Iterator[Finding]]


class Context:
    """The document and what several rules need from it, computed once."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.operations = list(d.operations(doc))

    def responses(self, op: d.Operation) -> Iterator[tuple[str, dict[str, Any], str]]:
        raw = op.node.get("responses")
        for status, entry in (raw if isinstance(raw, dict) else {}).items():
            response, ptr = d.resolve(self.doc, entry, d.join(op.pointer, "responses", status))
            if isinstance(response, dict):
                yield str(status), response, ptr

    def request_body(self, op: d.Operation) -> tuple[dict[str, Any] | None, str]:
        body, ptr = d.resolve(self.doc, op.node.get("requestBody"), d.join(op.pointer, "requestBody"))
        return (body if isinstance(body, dict) else None), ptr

    def media_schemas(self, holder: dict[str, Any], ptr: str) -> Iterator[tuple[str, Any, str]]:
        """(media type, raw schema, pointer) for each media type of a body or response."""
        content = holder.get("content")
        for media, entry in (content if isinstance(content, dict) else {}).items():
            if isinstance(entry, dict):
                yield media, entry.get("schema"), d.join(ptr, "content", media, "schema")


# The subschemas that describe a value the client sends: not `not` (it names what is refused).
REQUEST_VALUE_KEYS = (
    "properties",
    "items",
    "prefixItems",
    "additionalProperties",
    "contains",
    "allOf",
    "anyOf",
    "oneOf",
)


def _sent(tokens: sw.Tokens, schema: dict[str, Any]) -> bool:
    if tokens[0] == "properties":
        return schema.get("readOnly") is not True  # never sent
    return tokens[0] in REQUEST_VALUE_KEYS


def request_schemas(ctx: Context) -> Iterator[tuple[dict[str, Any], str, str]]:
    """Every schema a client sends (parameters, request bodies), through `$ref`s, once each."""
    seen: set[str] = set()

    def sent(raw: Any, ptr: str) -> Iterator[tuple[dict[str, Any], str]]:
        return sw.walk_resolved(ctx.doc, raw, ptr, follow=_sent, seen=seen)

    for op in ctx.operations:
        body, body_ptr = ctx.request_body(op)
        holders = [*op.parameters, *([(body, body_ptr)] if body else [])]
        for holder, ptr in holders:
            places = [(holder.get("schema"), d.join(ptr, "schema"))] if holder is not body else []
            places += [(raw, raw_ptr) for _media, raw, raw_ptr in ctx.media_schemas(holder, ptr)]
            for raw, raw_ptr in places:
                for schema, schema_ptr in sent(raw, raw_ptr):
                    yield schema, schema_ptr, op.label


# -- rules ---------------------------------------------------------------------------------------------------


def operation_id_unique(ctx: Context) -> Iterator[Finding]:
    owners: dict[str, str] = {}
    for op in ctx.operations:
        op_id = op.node.get("operationId")
        where = d.join(op.pointer, "operationId")
        if not isinstance(op_id, str) or not op_id:
            yield Finding(
                "operation-id-unique",
                op.pointer,
                "The operation has no operationId: give it a stable, unique one (generated client functions "
                "are named after it), e.g. `listItems`.",
                op.label,
            )
        elif op_id in owners:
            yield Finding(
                "operation-id-unique",
                where,
                f"operationId `{op_id}` is also used by {owners[op_id]}: give each operation its own.",
                op.label,
            )
        else:
            owners[op_id] = op.label


def operation_id_identifier(ctx: Context) -> Iterator[Finding]:
    for op in ctx.operations:
        op_id = op.node.get("operationId")
        if isinstance(op_id, str) and op_id and not OPERATION_ID.match(op_id):
            yield Finding(
                "operation-id-identifier",
                d.join(op.pointer, "operationId"),
                f"operationId `{op_id}` is not a valid identifier in most languages: use letters, digits "
                "and `_` only, starting with a letter (e.g. camelCase).",
                op.label,
            )


def operation_summary(ctx: Context) -> Iterator[Finding]:
    for op in ctx.operations:
        summary = op.node.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            yield Finding(
                "operation-summary",
                op.pointer,
                "The operation has no summary: add a one-line `summary` (docs and clients show it).",
                op.label,
            )


def operation_tags(ctx: Context) -> Iterator[Finding]:
    for op in ctx.operations:
        tags = op.node.get("tags")
        if not isinstance(tags, list) or not tags:
            yield Finding(
                "operation-tags",
                op.pointer,
                "The operation has no tags: add at least one (clients group operations by tag).",
                op.label,
            )


def _is_inline_object(doc: dict[str, Any], schema: Any) -> bool:
    if not isinstance(schema, dict) or "$ref" in schema:
        return False
    types = d.schema_types(schema)
    if "object" in types or "properties" in schema:
        return True
    if "array" in types or "items" in schema:
        return _is_inline_object(doc, schema.get("items"))
    return any(
        _is_inline_object(doc, branch)
        for key in ("allOf", "anyOf", "oneOf")
        for branch in (schema.get(key) if isinstance(schema.get(key), list) else [])
    )


def body_schema_named(ctx: Context) -> Iterator[Finding]:
    for op in ctx.operations:
        holders: list[tuple[str, dict[str, Any], str]] = []
        body, body_ptr = ctx.request_body(op)
        if body:
            holders.append(("request body", body, body_ptr))
        holders += [(f"{status} response", response, ptr) for status, response, ptr in ctx.responses(op)]
        for what, holder, ptr in holders:
            for media, schema, schema_ptr in ctx.media_schemas(holder, ptr):
                if _is_inline_object(ctx.doc, schema):
                    yield Finding(
                        "body-schema-named",
                        schema_ptr,
                        f"The {what} ({media}) is an anonymous inline object: make it a named component "
                        "under `components/schemas` and `$ref` it, for a stable generated type name.",
                        op.label,
                    )


def secured_operation_401(ctx: Context) -> Iterator[Finding]:
    for op in ctx.operations:
        if d.is_secured(ctx.doc, op) and "401" not in {s for s, _, _ in ctx.responses(op)}:
            yield Finding(
                "secured-operation-401",
                d.join(op.pointer, "responses"),
                "The operation requires authentication but does not document 401: add a 401 response "
                "with the error body (and its `WWW-Authenticate` header).",
                op.label,
            )


def path_parameter_404(ctx: Context) -> Iterator[Finding]:
    for op in ctx.operations:
        has_path_param = any(p.get("in") == "path" for p, _ in op.parameters) or "{" in op.path
        if has_path_param and "404" not in {s for s, _, _ in ctx.responses(op)}:
            yield Finding(
                "path-parameter-404",
                d.join(op.pointer, "responses"),
                "The operation has a path parameter but does not document 404: add a 404 response with the "
                "error body for an id that does not exist.",
                op.label,
            )


def _has_input(ctx: Context, op: d.Operation) -> bool:
    body, _ = ctx.request_body(op)
    return body is not None or any(p.get("in") == "query" for p, _ in op.parameters)


def input_validation_status(ctx: Context) -> Iterator[Finding]:
    with_input = [op for op in ctx.operations if _has_input(ctx, op)]
    statuses = {op.label: {s for s, _, _ in ctx.responses(op)} for op in with_input}
    votes = Counter(code for found in statuses.values() for code in ("422", "400") if code in found)
    # The spec's convention is whichever the operations use more; 422 wins a tie (it names invalid values).
    chosen = "422" if votes["422"] >= votes["400"] else "400"
    for op in with_input:
        if chosen not in statuses[op.label]:
            other = " (the rest of the document uses it; pick one status for invalid input)" if votes else ""
            yield Finding(
                "input-validation-status",
                d.join(op.pointer, "responses"),
                f"The operation takes a body or query parameters but does not document {chosen}{other}: "
                f"add a {chosen} response with the error body for invalid input.",
                op.label,
            )


def error_response_envelope(ctx: Context) -> Iterator[Finding]:
    errors = [
        (op, status, response, ptr)
        for op in ctx.operations
        for status, response, ptr in ctx.responses(op)
        if ERROR_STATUS.match(status) or status == "default"
    ]
    names = Counter(
        d.ref_name(schema)
        for _op, _s, response, ptr in errors
        for _m, schema, _p in ctx.media_schemas(response, ptr)
        if d.ref_name(schema)
    )
    envelope = min(names, key=lambda name: (-names[name], name)) if names else None
    wanted = f"`#/components/schemas/{envelope}`" if envelope else "(a `$ref` to one named error schema)"
    for op, status, response, ptr in errors:
        if op.method == "head":
            continue
        media = list(ctx.media_schemas(response, ptr))
        if not media:
            yield Finding(
                "error-response-envelope",
                ptr,
                f"The {status} response documents no body: give it the error envelope {wanted}.",
                op.label,
            )
        for media_type, schema, schema_ptr in media:
            if envelope is None or d.ref_name(schema) != envelope:
                yield Finding(
                    "error-response-envelope",
                    schema_ptr,
                    f"The {status} response ({media_type}) does not use the error envelope: "
                    f"set its schema to {wanted}, as every other error response does.",
                    op.label,
                )


def _bounded_message(schema: dict[str, Any]) -> str | None:
    if "enum" in schema or "const" in schema:
        return None
    types = d.schema_types(schema)
    missing = []
    if "integer" in types:
        if "minimum" not in schema and not _number(schema.get("exclusiveMinimum")):
            missing.append("`minimum`")
        if "maximum" not in schema and not _number(schema.get("exclusiveMaximum")):
            missing.append("`maximum`")
    if "string" in types and "maxLength" not in schema:
        missing.append("`maxLength`")
    if "array" in types and "maxItems" not in schema:
        missing.append("`maxItems`")
    if not missing:
        return None
    return " and ".join(missing)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def request_value_bounds(ctx: Context) -> Iterator[Finding]:
    for schema, ptr, label in request_schemas(ctx):
        missing = _bounded_message(schema)
        if missing:
            yield Finding(
                "request-value-bounds",
                ptr,
                f"A client can send this value with no limit: document and enforce {missing} "
                "(matching what the storage holds), so an oversized value is a 422, not a 500.",
                label,
            )


def _validator(doc: dict[str, Any], ptr: str) -> Any:
    """A validator for the schema at `ptr`, with the document as root so `#/...` references resolve."""
    root = {**doc, "$ref": "#" + ptr}
    if d.is_31(doc):
        return OAS31Validator(root, format_checker=oas31_format_checker)
    return OAS30Validator(root, format_checker=oas30_format_checker)


def _example_errors(doc: dict[str, Any], schema_ptr: str, value: Any) -> str | None:
    try:
        error = next(iter(_validator(doc, schema_ptr).iter_errors(value)), None)
    except Exception as exc:  # an unresolvable reference or a schema the validator cannot compile
        return f"cannot be checked ({type(exc).__name__}: {exc})"
    if error is None:
        return None
    where = "".join(f"[{p!r}]" for p in error.absolute_path)
    return f"is invalid{(' at ' + where) if where else ''}: {_short(error)}"


def _short(error: ValidationError) -> str:
    text = error.message
    return text if len(text) <= 200 else text[:197] + "..."


def example_valid(ctx: Context) -> Iterator[Finding]:
    doc = ctx.doc
    for schema, ptr in sw.all_schemas(doc):
        candidates = []
        if "example" in schema:
            candidates.append((d.join(ptr, "example"), schema["example"]))
        if isinstance(schema.get("examples"), list):
            candidates += [(d.join(ptr, "examples", i), v) for i, v in enumerate(schema["examples"])]
        for where, value in candidates:
            problem = _example_errors(doc, ptr, value)
            if problem:
                yield Finding(
                    "example-valid",
                    where,
                    f"The example {problem}. Fix the example or the schema.",
                )
    yield from _holder_examples(doc, doc, "")


def _holder_examples(doc: dict[str, Any], node: Any, ptr: str) -> Iterator[Finding]:
    """`example`/`examples` beside a `schema` (parameters, media types, headers) against that schema."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from _holder_examples(doc, value, d.join(ptr, index))
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("schema"), dict):
        schema_ptr = d.join(ptr, "schema")
        values = []
        if "example" in node:
            values.append((d.join(ptr, "example"), node["example"]))
        for name, entry in (node.get("examples") if isinstance(node.get("examples"), dict) else {}).items():
            example, _ = d.resolve(doc, entry, "")
            if isinstance(example, dict) and "value" in example:
                values.append((d.join(ptr, "examples", name, "value"), example["value"]))
        for where, value in values:
            problem = _example_errors(doc, schema_ptr, value)
            if problem:
                yield Finding(
                    "example-valid", where, f"The example {problem}. Fix the example or the schema."
                )
    for key, value in node.items():
        if (
            key not in ("schema", "example", "examples", "x-examples")
            and d.join(ptr, key) != "/components/schemas"
        ):
            yield from _holder_examples(doc, value, d.join(ptr, key))


def created_location_header(ctx: Context) -> Iterator[Finding]:
    for op in ctx.operations:
        for status, response, ptr in ctx.responses(op):
            headers = response.get("headers") if isinstance(response.get("headers"), dict) else {}
            if status == "201" and "location" not in {name.lower() for name in headers}:
                yield Finding(
                    "created-location-header",
                    ptr,
                    "The 201 response does not document the `Location` header: add it under `headers` "
                    "(the URL of the created resource).",
                    op.label,
                )


def component_name_not_numbered(ctx: Context) -> Iterator[Finding]:
    names = set(d.components(ctx.doc, "schemas"))
    stems = Counter(m["stem"] for name in names if (m := NUMBERED_NAME.match(name)))
    for name in sorted(names):
        match = NUMBERED_NAME.match(name)
        if match and (match["stem"] in names or stems[match["stem"]] > 1):
            yield Finding(
                "component-name-not-numbered",
                d.pointer("components", "schemas", name),
                f"`{name}` looks auto-numbered (a variant of `{match['stem']}`, e.g. from marshmallow "
                "`partial`/`only`/`exclude`): its generated type changes name between builds. Give the "
                "schema an explicit name (a dedicated Schema class, or a name in the schema resolver).",
            )


def nullable_has_type(ctx: Context) -> Iterator[Finding]:
    for schema, ptr in sw.all_schemas(ctx.doc):
        if isinstance(schema.get("nullable"), bool) and "type" not in schema and not d.is_31(ctx.doc):
            yield Finding(
                "nullable-has-type",
                d.join(ptr, "nullable"),
                "`nullable` without a sibling `type` has no effect in OpenAPI 3.0: add the `type` next to it "
                "(for a `$ref`, use `anyOf: [{$ref: ...}, {nullable: true, type: ...}]` or OpenAPI 3.1).",
            )


def nullable_not_in_31(ctx: Context) -> Iterator[Finding]:
    if not d.is_31(ctx.doc):
        return
    for schema, ptr in sw.all_schemas(ctx.doc):
        if isinstance(schema.get("nullable"), bool):
            yield Finding(
                "nullable-not-in-3-1",
                d.join(ptr, "nullable"),
                'OpenAPI 3.1 has no `nullable` keyword (it is ignored): write `type: [<type>, "null"]`.',
            )


def enum_named(ctx: Context) -> Iterator[Finding]:
    roots = {d.pointer("components", "schemas", name) for name in d.components(ctx.doc, "schemas")}
    for schema, ptr in sw.all_schemas(ctx.doc):
        values = schema.get("enum")
        if isinstance(values, list) and len([v for v in values if v is not None]) > 1 and ptr not in roots:
            yield Finding(
                "enum-named",
                d.join(ptr, "enum"),
                "An inline enum: make it a named component under `components/schemas` and `$ref` it, so "
                "generated clients share one type for it.",
            )


RULES: tuple[Rule, ...] = (
    Rule("operation-id-unique", "every operation has an operationId, used once", operation_id_unique),
    Rule(
        "operation-id-identifier",
        "operationIds are identifiers (letters, digits, _)",
        operation_id_identifier,
    ),
    Rule("operation-summary", "every operation has a summary", operation_summary),
    Rule("operation-tags", "every operation has at least one tag", operation_tags),
    Rule(
        "body-schema-named",
        "request and response bodies are named components, not inline objects",
        body_schema_named,
    ),
    Rule("secured-operation-401", "every secured operation documents 401", secured_operation_401),
    Rule("path-parameter-404", "every operation with a path parameter documents 404", path_parameter_404),
    Rule(
        "input-validation-status",
        "every operation with a body or query parameters documents 422 (or 400, consistently)",
        input_validation_status,
    ),
    Rule(
        "error-response-envelope",
        "every 4xx/5xx response has the one error envelope as its body",
        error_response_envelope,
    ),
    Rule(
        "request-value-bounds",
        "every integer, string and array a client sends has documented bounds",
        request_value_bounds,
    ),
    Rule("example-valid", "every example validates against its schema", example_valid),
    Rule("created-location-header", "every 201 response documents `Location`", created_location_header),
    Rule(
        "component-name-not-numbered",
        "no auto-numbered component names (`Todo1`)",
        component_name_not_numbered,
    ),
    Rule("nullable-has-type", "OpenAPI 3.0: `nullable` only beside a `type`", nullable_has_type),
    Rule("nullable-not-in-3-1", "OpenAPI 3.1: null is a type, not `nullable`", nullable_not_in_31),
    Rule("enum-named", "enums with several values are named components", enum_named),
)
RULE_IDS = tuple(rule.id for rule in RULES)


def lint(doc: dict[str, Any], *, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Every finding of every rule, in rule order, then document order."""
    ctx = Context(doc)
    return [finding for rule in rules for finding in rule.check(ctx)]


def format_findings(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        where = f"{f.operation} " if f.operation else ""
        lines.append(f"{f.rule}: {where}#{f.pointer}\n    {f.message}")
    return "\n".join(lines)
