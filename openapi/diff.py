"""`diff`: every change between two specs, classified for an existing client (breaking, warning, info)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openapi import accepted as acc
from openapi import breaking_rules as br
from openapi import build
from openapi import document as d

PATH_PARAM = re.compile(r"\{([^}]+)\}")
UNION_KEYS = ("anyOf", "oneOf")
DEFAULT_HEAD_LABEL = "openapi/openapi.json"
LEVEL_RANK = {br.BREAKING: 0, br.WARNING: 1, br.INFO: 2}


@dataclass(slots=True)
class Change:
    """One classified change: its rule, where it is, and what an existing client sees."""

    rule: str
    level: str
    message: str
    pointer: str  # where the change is: in the base document for removals, in the head document otherwise
    operation: str | None = None  # "GET /api/todos"; None for document-level changes
    operation_id: str | None = None
    via: str | None = None  # the same place as reached from the operation, as if `$ref`s were inlined
    accepted: str | None = None  # the reason, when `accepted-changes.yaml` accepts it

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "operation": self.operation,
            "operationId": self.operation_id,
            "pointer": self.pointer,
            "via": self.via,
            "message": self.message,
            "accepted": self.accepted,
        }


@dataclass(frozen=True, slots=True)
class Where:
    """The walk's position: which operation, whose value (request or response), and how we got here."""

    op: d.Operation
    direction: str  # "request" | "response"
    subject: str  # request-body, request-parameter, response-header, ...
    via: str
    name: str = ""  # the property path for messages: `title`, `tags[]`, `owner.name`
    stack: frozenset = field(default_factory=frozenset)

    def into(self, via_tokens: tuple, name: str) -> Where:
        """One level down: inside a body it is a property; inside a parameter or header, still that."""
        subject = {"request-body": "request-property", "response-body": "response-property"}.get(
            self.subject, self.subject
        )
        return replace(self, via=d.join(self.via, *via_tokens), name=name, subject=subject)

    @property
    def what(self) -> str:
        kind = self.subject.replace("-", " ")
        return f"{kind} `{self.name}`" if self.name else kind


def _norm_path(path: str) -> str:
    return PATH_PARAM.sub("{}", path)


def _num(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _absent(value: Any) -> str:
    """A keyword's value for a message, `(none)` when the keyword is not there."""
    return "(none)" if value is None else _show(value)


class Differ:
    """Walks two documents side by side, following `$ref`s, and records each change once per operation."""

    def __init__(self, base: dict[str, Any], head: dict[str, Any]) -> None:
        self.base = base
        self.head = head
        self.changes: list[Change] = []
        self._seen: set[tuple[str, str | None, str]] = set()

    # -- recording ----------------------------------------------------------------------------------------

    def emit(
        self, rule_id: str, message: str, pointer: str, op: d.Operation | None = None, via: str | None = None
    ) -> None:
        rule = br.RULES[rule_id]
        label = op.label if op else None
        key = (rule_id, label, pointer)
        if key in self._seen:  # a shared component reached twice from one operation counts once
            return
        self._seen.add(key)
        op_id = op.operation_id if op else None
        self.changes.append(Change(rule_id, rule.level, message, pointer, label, op_id, via))

    def schema_change(self, where: Where, check: str, message: str, pointer: str) -> None:
        self.emit(f"{where.subject}-{check}", f"{where.what}: {message}", pointer, where.op, where.via)

    # -- document -------------------------------------------------------------------------------------------

    def run(self) -> list[Change]:
        self._components()
        base_ops = {(_norm_path(op.path), op.method): op for op in d.operations(self.base)}
        head_ops = {(_norm_path(op.path), op.method): op for op in d.operations(self.head)}
        head_paths = {path for path, _ in head_ops}
        base_paths = {path for path, _ in base_ops}
        for key, op in base_ops.items():
            if key not in head_ops:
                rule = "api-operation-removed" if key[0] in head_paths else "api-path-removed"
                self.emit(rule, f"{op.label} was removed: clients calling it get 404 or 405.", op.pointer, op)
        for key, op in head_ops.items():
            if key not in base_ops:
                rule = "api-operation-added" if key[0] in base_paths else "api-path-added"
                self.emit(rule, f"{op.label} is new.", op.pointer, op)
            else:
                self._operation(base_ops[key], op)
        order = {level: rank for rank, level in enumerate(br.LEVELS)}
        return sorted(self.changes, key=lambda c: (order[c.level], c.operation or "", c.pointer, c.rule))

    def _components(self) -> None:
        base_schemas = d.components(self.base, "schemas")
        head_schemas = d.components(self.head, "schemas")
        for name in sorted(set(base_schemas) - set(head_schemas)):
            self.emit(
                "api-schema-removed",
                f"Component schema `{name}` was removed or renamed: generated clients lose its type.",
                d.pointer("components", "schemas", name),
            )
        for name in sorted(set(head_schemas) - set(base_schemas)):
            self.emit(
                "api-schema-added",
                f"Component schema `{name}` is new.",
                d.pointer("components", "schemas", name),
            )
        base_schemes = d.components(self.base, "securitySchemes")
        head_schemes = d.components(self.head, "securitySchemes")
        for name in sorted(set(base_schemes) & set(head_schemes)):
            b, _ = d.resolve(self.base, base_schemes[name], "")
            h, hp = d.resolve(self.head, head_schemes[name], d.pointer("components", "securitySchemes", name))
            keys = ("type", "scheme", "in", "name", "openIdConnectUrl")
            changed = [
                k for k in keys if isinstance(b, dict) and isinstance(h, dict) and b.get(k) != h.get(k)
            ]
            if changed:
                self.emit(
                    "security-scheme-changed",
                    f"Security scheme `{name}` changed {', '.join(changed)}: old clients break.",
                    hp,
                )

    # -- operation ----------------------------------------------------------------------------------------

    def _operation(self, b: d.Operation, h: d.Operation) -> None:
        if b.operation_id and not h.operation_id:
            self.emit(
                "api-operation-id-removed",
                f"operationId `{b.operation_id}` was removed: the generated function loses its name.",
                d.join(b.pointer, "operationId"),
                h,
            )
        elif b.operation_id and h.operation_id != b.operation_id:
            self.emit(
                "api-operation-id-changed",
                f"operationId changed from `{b.operation_id}` to "
                f"`{h.operation_id}`: the generated function is renamed.",
                d.join(h.pointer, "operationId"),
                h,
            )
        elif h.operation_id and not b.operation_id:
            self.emit(
                "api-operation-id-added",
                f"operationId `{h.operation_id}` was added.",
                d.join(h.pointer, "operationId"),
                h,
            )
        if h.node.get("deprecated") is True and b.node.get("deprecated") is not True:
            self.emit("api-deprecated", f"{h.label} is now deprecated.", d.join(h.pointer, "deprecated"), h)
        self._security(b, h)
        self._parameters(b, h)
        self._request_body(b, h)
        self._responses(b, h)

    def _security(self, b: d.Operation, h: d.Operation) -> None:
        def alternatives(doc: dict[str, Any], op: d.Operation) -> set[frozenset]:
            return {
                frozenset(
                    (scheme, tuple(sorted(map(str, d.sequence(scopes))))) for scheme, scopes in req.items()
                )
                for req in d.effective_security(doc, op)
                if isinstance(req, dict)
            }

        base_alts, head_alts = alternatives(self.base, b), alternatives(self.head, h)
        base_public = not base_alts or frozenset() in base_alts
        head_public = not head_alts or frozenset() in head_alts
        where = d.join(h.pointer, "security") if "security" in h.node else "/security"
        names = sorted({scheme for alt in head_alts for scheme, _ in alt})
        if base_public and not head_public:
            self.emit(
                "api-security-added",
                f"{h.label} now requires authentication ({', '.join(names)}): anonymous clients get 401.",
                where,
                h,
            )
        elif not base_public and head_public:
            self.emit("api-security-removed", f"{h.label} no longer requires authentication.", where, h)
        elif not base_public and not head_public and base_alts != head_alts:
            if base_alts <= head_alts:
                self.emit(
                    "api-security-alternative-added",
                    f"{h.label} accepts another way to authenticate.",
                    where,
                    h,
                )
            else:
                self.emit(
                    "api-security-changed",
                    f"{h.label} changed its security requirements: clients "
                    "authenticating the old way are refused.",
                    where,
                    h,
                )

    def _parameters(self, b: d.Operation, h: d.Operation) -> None:
        def keyed(op: d.Operation) -> dict[tuple[str, Any], tuple[dict[str, Any], str]]:
            names = PATH_PARAM.findall(op.path)
            out = {}
            for param, ptr in op.parameters:
                where, name = str(param.get("in")), str(param.get("name"))
                if where == "path" and name in names:
                    out[("path", names.index(name))] = (param, ptr)  # the URL is the same whatever its name
                else:
                    out[(where, name.lower() if where == "header" else name)] = (param, ptr)
            return out

        base_params, head_params = keyed(b), keyed(h)
        for key, (param, ptr) in base_params.items():
            if key not in head_params:
                self.emit(
                    "request-parameter-removed",
                    f"{param.get('in')} parameter `{param.get('name')}` was removed: clients still send it.",
                    ptr,
                    h,
                )
        for key, (param, ptr) in head_params.items():
            label = f"{param.get('in')} parameter `{param.get('name')}`"
            if key not in base_params:
                if param.get("required") is True:
                    self.emit(
                        "new-required-request-parameter",
                        f"new required {label}: existing clients do not send it and are refused.",
                        ptr,
                        h,
                    )
                else:
                    self.emit("new-optional-request-parameter", f"new optional {label}.", ptr, h)
                continue
            old, old_ptr = base_params[key]
            if old.get("name") != param.get("name"):
                self.emit(
                    "request-path-parameter-renamed",
                    f"path parameter `{old.get('name')}` is now "
                    f"`{param.get('name')}` (the URL is unchanged; generated argument names change).",
                    ptr,
                    h,
                )
            if param.get("required") is True and old.get("required") is not True:
                self.emit(
                    "request-parameter-became-required",
                    f"{label} became required: clients that omit it are refused.",
                    ptr,
                    h,
                )
            elif old.get("required") is True and param.get("required") is not True:
                self.emit("request-parameter-became-optional", f"{label} became optional.", ptr, h)
            where = Where(
                h, "request", "request-parameter", d.join(ptr, "schema"), name=str(param.get("name"))
            )
            if "schema" in old or "schema" in param:
                self._schema(
                    old.get("schema"),
                    d.join(old_ptr, "schema"),
                    param.get("schema"),
                    d.join(ptr, "schema"),
                    where,
                )
            else:
                self._content(old, old_ptr, param, ptr, where)

    def _request_body(self, b: d.Operation, h: d.Operation) -> None:
        old, old_ptr = d.resolve(self.base, b.node.get("requestBody"), d.join(b.pointer, "requestBody"))
        new, new_ptr = d.resolve(self.head, h.node.get("requestBody"), d.join(h.pointer, "requestBody"))
        old = old if isinstance(old, dict) else None
        new = new if isinstance(new, dict) else None
        if old is None and new is None:
            return
        if old is None:
            if new.get("required") is True:
                self.emit("new-required-request-body", f"{h.label} now requires a request body.", new_ptr, h)
            else:
                self.emit(
                    "new-optional-request-body", f"{h.label} accepts an optional request body.", new_ptr, h
                )
            return
        if new is None:
            self.emit("request-body-removed", f"{h.label} no longer takes a request body.", old_ptr, h)
            return
        if new.get("required") is True and old.get("required") is not True:
            self.emit(
                "request-body-became-required",
                "the request body became required: clients that send none are refused.",
                new_ptr,
                h,
            )
        elif old.get("required") is True and new.get("required") is not True:
            self.emit("request-body-became-optional", "the request body became optional.", new_ptr, h)
        self._content(
            old, old_ptr, new, new_ptr, Where(h, "request", "request-body", d.join(h.pointer, "requestBody"))
        )

    def _content(
        self, old: dict[str, Any], old_ptr: str, new: dict[str, Any], new_ptr: str, where: Where
    ) -> None:
        """Media types of a body, response or parameter: removed, added, and their schemas compared."""
        old_media = old.get("content") if isinstance(old.get("content"), dict) else {}
        new_media = new.get("content") if isinstance(new.get("content"), dict) else {}
        request = where.direction == "request"
        for media in old_media:
            if media not in new_media and where.subject != "request-parameter":
                rule = "request-body-media-type-removed" if request else "response-media-type-removed"
                consequence = "clients sending it are refused" if request else "clients expecting it break"
                self.emit(
                    rule,
                    f"media type `{media}` was removed: {consequence}.",
                    d.join(old_ptr, "content", media),
                    where.op,
                    where.via,
                )
        for media in new_media:
            if media not in old_media:
                if where.subject != "request-parameter":
                    rule = "request-body-media-type-added" if request else "response-media-type-added"
                    self.emit(
                        rule,
                        f"media type `{media}` was added.",
                        d.join(new_ptr, "content", media),
                        where.op,
                        where.via,
                    )
                continue
            b_media, h_media = old_media[media], new_media[media]
            if isinstance(b_media, dict) and isinstance(h_media, dict):
                schema_where = replace(where, via=d.join(where.via, "content", media, "schema"))
                self._schema(
                    b_media.get("schema"),
                    d.join(old_ptr, "content", media, "schema"),
                    h_media.get("schema"),
                    d.join(new_ptr, "content", media, "schema"),
                    schema_where,
                )

    def _responses(self, b: d.Operation, h: d.Operation) -> None:
        old_all = b.node.get("responses") if isinstance(b.node.get("responses"), dict) else {}
        new_all = h.node.get("responses") if isinstance(h.node.get("responses"), dict) else {}
        for status in old_all:
            if status not in new_all:
                success = str(status)[:1] in ("2", "3")
                rule = "response-success-status-removed" if success else "response-non-success-status-removed"
                self.emit(
                    rule,
                    f"response {status} was removed" + (": clients expecting it break." if success else "."),
                    d.join(b.pointer, "responses", status),
                    h,
                )
        for status, raw in new_all.items():
            ptr = d.join(h.pointer, "responses", status)
            if status not in old_all:
                self.emit("response-status-added", f"response {status} is new.", ptr, h)
                continue
            old, old_ptr = d.resolve(self.base, old_all[status], d.join(b.pointer, "responses", status))
            new, new_ptr = d.resolve(self.head, raw, ptr)
            if not (isinstance(old, dict) and isinstance(new, dict)):
                continue
            where = Where(h, "response", "response-body", ptr)
            self._content(old, old_ptr, new, new_ptr, where)
            self._headers(old, old_ptr, new, new_ptr, replace(where, via=d.join(ptr, "headers")), status)

    def _headers(
        self, old: dict[str, Any], old_ptr: str, new: dict[str, Any], new_ptr: str, where: Where, status: str
    ) -> None:
        def keyed(holder: dict[str, Any]) -> dict[str, str]:
            headers = holder.get("headers") if isinstance(holder.get("headers"), dict) else {}
            return {name.lower(): name for name in headers}

        old_names, new_names = keyed(old), keyed(new)
        for low, name in old_names.items():
            header, _ = d.resolve(self.base, old["headers"][name], "")
            ptr = d.join(old_ptr, "headers", name)
            if low not in new_names:
                required = isinstance(header, dict) and header.get("required") is True
                rule = "response-header-removed" if required else "response-optional-header-removed"
                self.emit(rule, f"response {status} header `{name}` was removed.", ptr, where.op, where.via)
        for low, name in new_names.items():
            ptr = d.join(new_ptr, "headers", name)
            if low not in old_names:
                self.emit(
                    "response-header-added",
                    f"response {status} header `{name}` is new.",
                    ptr,
                    where.op,
                    where.via,
                )
                continue
            old_name = old_names[low]
            b_header, b_ptr = d.resolve(
                self.base, old["headers"][old_name], d.join(old_ptr, "headers", old_name)
            )
            h_header, h_ptr = d.resolve(self.head, new["headers"][name], ptr)
            if not (isinstance(b_header, dict) and isinstance(h_header, dict)):
                continue
            if b_header.get("required") is True and h_header.get("required") is not True:
                self.emit(
                    "response-header-became-optional",
                    f"response {status} header `{name}` became optional: clients relying on it break.",
                    h_ptr,
                    where.op,
                    where.via,
                )
            header_where = replace(
                where, subject="response-header", via=d.join(where.via, name, "schema"), name=name
            )
            self._schema(
                b_header.get("schema"),
                d.join(b_ptr, "schema"),
                h_header.get("schema"),
                d.join(h_ptr, "schema"),
                header_where,
            )

    # -- schemas ------------------------------------------------------------------------------------------

    def _unwrap(
        self, doc: dict[str, Any], schema: dict[str, Any], ptr: str
    ) -> tuple[dict[str, Any], str, bool]:
        """Split `anyOf: [X, {type: null}]` (and `type: [X, null]`, `nullable`) into X and nullability."""
        nullable = "null" in d.schema_types(schema) or None in d.sequence(schema.get("enum"))
        for key in UNION_KEYS:
            branches = schema.get(key)
            if isinstance(branches, list) and len(branches) == 2:
                nulls = [i for i, s in enumerate(branches) if isinstance(s, dict) and s.get("type") == "null"]
                if len(nulls) == 1:
                    other = 1 - nulls[0]
                    inner, inner_ptr = d.resolve(doc, branches[other], d.join(ptr, key, other))
                    if isinstance(inner, dict):
                        rest = {k: v for k, v in schema.items() if k != key}
                        return {**inner, **rest}, inner_ptr, True
        return schema, ptr, nullable

    def _schema(self, b: Any, b_ptr: str, h: Any, h_ptr: str, where: Where) -> None:
        b, b_ptr = d.resolve(self.base, b, b_ptr)
        h, h_ptr = d.resolve(self.head, h, h_ptr)
        if not (isinstance(b, dict) and isinstance(h, dict)):
            return
        key = (b_ptr, h_ptr, where.direction)
        if key in where.stack:  # a recursive schema: this pair is already being compared further up
            return
        where = replace(where, stack=where.stack | {key})
        b, b_ptr, b_null = self._unwrap(self.base, b, b_ptr)
        h, h_ptr, h_null = self._unwrap(self.head, h, h_ptr)
        self._types(b, h, h_ptr, where)
        if b_null != h_null:
            check = "became-nullable" if h_null else "became-not-nullable"
            self.schema_change(
                where, check, "null is now allowed." if h_null else "null is no longer allowed.", h_ptr
            )
        self._enum(b, h, h_ptr, where)
        for keyword in (*br.UPPER_BOUNDS, *br.LOWER_BOUNDS):
            found = br.bound_check(keyword, _num(b.get(keyword)), _num(h.get(keyword)))
            if found:
                self.schema_change(
                    where,
                    found[0],
                    f"`{keyword}` {_absent(b.get(keyword))} -> {_absent(h.get(keyword))}.",
                    h_ptr,
                )
        self._simple(b, h, h_ptr, where)
        self._properties(b, b_ptr, h, h_ptr, where)
        for key_word in ("items", "additionalProperties"):
            if isinstance(b.get(key_word), dict) and isinstance(h.get(key_word), dict):
                suffix = "[]" if key_word == "items" else ".*"
                self._schema(
                    b[key_word],
                    d.join(b_ptr, key_word),
                    h[key_word],
                    d.join(h_ptr, key_word),
                    where.into(
                        (key_word,),
                        where.name + suffix,
                    ),
                )
        old_tuple, new_tuple = b.get("prefixItems"), h.get("prefixItems")
        if isinstance(old_tuple, list) and isinstance(new_tuple, list):
            for index, (old_item, new_item) in enumerate(zip(old_tuple, new_tuple, strict=False)):
                self._schema(
                    old_item,
                    d.join(b_ptr, "prefixItems", index),
                    new_item,
                    d.join(h_ptr, "prefixItems", index),
                    where.into(
                        ("prefixItems", index),
                        f"{where.name}[{index}]",
                    ),
                )
        self._unions(b, b_ptr, h, h_ptr, where)

    def _types(self, b: dict[str, Any], h: dict[str, Any], h_ptr: str, where: Where) -> None:
        old, new = d.schema_types(b) - {"null"}, d.schema_types(h) - {"null"}
        if not old or not new or old == new:
            return

        def covers(wide: set[str], narrow: set[str]) -> bool:
            return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)

        text = f"type {'/'.join(sorted(old))} -> {'/'.join(sorted(new))}."
        if where.direction == "request" and covers(new, old):
            self.schema_change(where, "type-generalized", text, h_ptr)
        elif where.direction == "response" and covers(old, new):
            self.schema_change(where, "type-narrowed", text, h_ptr)
        else:
            self.schema_change(where, "type-changed", text, h_ptr)

    def _enum(self, b: dict[str, Any], h: dict[str, Any], h_ptr: str, where: Where) -> None:
        def values(schema: dict[str, Any]) -> list[Any] | None:
            if isinstance(schema.get("enum"), list):
                return [v for v in schema["enum"] if v is not None]
            return [schema["const"]] if "const" in schema and schema["const"] is not None else None

        old, new = values(b), values(h)
        if old is None and new is None:
            return
        if old is None:
            self.schema_change(where, "enum-set", f"now limited to {_show(new)}.", h_ptr)
            return
        if new is None:
            self.schema_change(where, "enum-unset", f"no longer limited to {_show(old)}.", h_ptr)
            return
        old_keys, new_keys = [_show(v) for v in old], [_show(v) for v in new]
        added = [v for v in new_keys if v not in old_keys]
        removed = [v for v in old_keys if v not in new_keys]
        if added:
            consequence = (
                " (clients with an exhaustive switch break)" if where.direction == "response" else ""
            )
            self.schema_change(
                where, "enum-value-added", f"enum value(s) {', '.join(added)} added{consequence}.", h_ptr
            )
        if removed:
            consequence = " (clients sending them are refused)" if where.direction == "request" else ""
            self.schema_change(
                where,
                "enum-value-removed",
                f"enum value(s) {', '.join(removed)} removed{consequence}.",
                h_ptr,
            )

    def _simple(self, b: dict[str, Any], h: dict[str, Any], h_ptr: str, where: Where) -> None:
        for keyword, word in (("format", "format"), ("pattern", "pattern")):
            old, new = b.get(keyword), h.get(keyword)
            if old == new:
                continue
            check = (
                f"{word}-changed"
                if old is not None and new is not None
                else (f"{word}-added" if old is None else f"{word}-removed")
            )
            self.schema_change(where, check, f"`{keyword}` {_absent(old)} -> {_absent(new)}.", h_ptr)
        old_unique, new_unique = b.get("uniqueItems") is True, h.get("uniqueItems") is True
        if old_unique != new_unique:
            check = "unique-items-set" if new_unique else "unique-items-unset"
            self.schema_change(where, check, f"`uniqueItems` {old_unique} -> {new_unique}.", h_ptr)
        if (
            where.direction == "request"
            and "default" in b
            and "default" in h
            and b["default"] != h["default"]
        ):
            self.schema_change(
                where, "default-changed", f"default {_show(b['default'])} -> {_show(h['default'])}.", h_ptr
            )

    def _properties(self, b: dict[str, Any], b_ptr: str, h: dict[str, Any], h_ptr: str, where: Where) -> None:
        old_props = b.get("properties") if isinstance(b.get("properties"), dict) else {}
        new_props = h.get("properties") if isinstance(h.get("properties"), dict) else {}
        if not old_props and not new_props:
            return
        old_req = {name for name in d.sequence(b.get("required")) if isinstance(name, str)}
        new_req = {name for name in d.sequence(h.get("required")) if isinstance(name, str)}
        request = where.direction == "request"
        hidden = "readOnly" if request else "writeOnly"  # never sent in this direction, so never a change

        def is_hidden(doc: dict[str, Any], schema: Any) -> bool:
            resolved, _ = d.resolve(doc, schema, "")
            return isinstance(resolved, dict) and resolved.get(hidden) is True

        # A property that turns readOnly (writeOnly) leaves the request (response): that is a removal.
        old_seen = {name: schema for name, schema in old_props.items() if not is_hidden(self.base, schema)}
        new_seen = {name: schema for name, schema in new_props.items() if not is_hidden(self.head, schema)}
        prefix = f"{where.name}." if where.name else ""
        for name in old_seen:
            if name in new_seen:
                continue
            ptr = d.join(b_ptr, "properties", name)
            via = d.join(where.via, "properties", name)
            if request:
                closed = h.get("additionalProperties") is False or h.get("unevaluatedProperties") is False
                rule = "request-property-removed-rejected" if closed else "request-property-removed"
                text = (
                    "clients that send it are refused (the object is closed)" if closed else "it is ignored"
                )
                self.emit(rule, f"request property `{prefix}{name}` was removed: {text}.", ptr, where.op, via)
            else:
                rule = (
                    "response-property-removed" if name in old_req else "response-optional-property-removed"
                )
                self.emit(
                    rule,
                    f"response property `{prefix}{name}` was removed: clients reading it break.",
                    ptr,
                    where.op,
                    via,
                )
        for name, schema in new_seen.items():
            ptr = d.join(h_ptr, "properties", name)
            via = d.join(where.via, "properties", name)
            if name not in old_seen:
                if request and name in new_req:
                    self.emit(
                        "new-required-request-property",
                        f"new required request property `{prefix}{name}`: "
                        "existing clients do not send it and are refused.",
                        ptr,
                        where.op,
                        via,
                    )
                elif request:
                    self.emit(
                        "new-optional-request-property",
                        f"new optional request property `{prefix}{name}`.",
                        ptr,
                        where.op,
                        via,
                    )
                else:
                    self.emit(
                        "response-property-added",
                        f"new response property `{prefix}{name}`.",
                        ptr,
                        where.op,
                        via,
                    )
                continue
            if request and name in new_req and name not in old_req:
                self.emit(
                    "request-property-became-required",
                    f"request property `{prefix}{name}` became required: clients that omit it are refused.",
                    ptr,
                    where.op,
                    via,
                )
            elif request and name in old_req and name not in new_req:
                self.emit(
                    "request-property-became-optional",
                    f"request property `{prefix}{name}` became optional.",
                    ptr,
                    where.op,
                    via,
                )
            elif not request and name in old_req and name not in new_req:
                self.emit(
                    "response-property-became-optional",
                    f"response property `{prefix}{name}` became optional: clients relying on it break.",
                    ptr,
                    where.op,
                    via,
                )
            elif not request and name in new_req and name not in old_req:
                self.emit(
                    "response-property-became-required",
                    f"response property `{prefix}{name}` became required.",
                    ptr,
                    where.op,
                    via,
                )
            self._schema(
                old_props[name],
                d.join(b_ptr, "properties", name),
                schema,
                ptr,
                where.into(("properties", name), prefix + name),
            )

    def _unions(self, b: dict[str, Any], b_ptr: str, h: dict[str, Any], h_ptr: str, where: Where) -> None:
        for key in (*UNION_KEYS, "allOf"):
            old = b.get(key) if isinstance(b.get(key), list) else []
            new = h.get(key) if isinstance(h.get(key), list) else []
            if not old and not new:
                continue

            def label(branch: Any, index: int) -> str:
                return d.ref_name(branch) or f"#{index}"

            old_labels = [label(s, i) for i, s in enumerate(old)]
            new_labels = [label(s, i) for i, s in enumerate(new)]
            for i, name in enumerate(new_labels):
                if name in old_labels:
                    j = old_labels.index(name)
                    self._schema(
                        old[j],
                        d.join(b_ptr, key, j),
                        new[i],
                        d.join(h_ptr, key, i),
                        replace(where, via=d.join(where.via, key, i)),
                    )
                elif key in UNION_KEYS:
                    self.schema_change(
                        where, "union-branch-added", f"`{key}` branch {name} added.", d.join(h_ptr, key, i)
                    )
            if key in UNION_KEYS:
                for j, name in enumerate(old_labels):
                    if name not in new_labels:
                        self.schema_change(
                            where,
                            "union-branch-removed",
                            f"`{key}` branch {name} removed.",
                            d.join(b_ptr, key, j),
                        )


# -- versions, acceptance, reports --------------------------------------------------------------------------


def major(version: Any) -> int | None:
    match = re.match(r"^\D*(\d+)", str(version or ""))
    return int(match.group(1)) if match else None


@dataclass(slots=True)
class DiffResult:
    changes: list[Change]
    base_version: str
    head_version: str
    stale: list[acc.Acceptance]
    fail_on: str = br.BREAKING

    @property
    def major_bumped(self) -> bool:
        old, new = major(self.base_version), major(self.head_version)
        return old is not None and new is not None and new > old

    @property
    def failing(self) -> list[Change]:
        limit = LEVEL_RANK[self.fail_on]
        return [c for c in self.changes if LEVEL_RANK[c.level] <= limit and not c.accepted]

    @property
    def failed(self) -> bool:
        return bool(self.failing) and not self.major_bumped

    def counts(self) -> dict[str, int]:
        counts = {level: 0 for level in br.LEVELS}
        for change in self.changes:
            counts[change.level] += 1
        counts["accepted"] = sum(1 for c in self.changes if c.accepted)
        return counts


def compare(
    base: dict[str, Any],
    head: dict[str, Any],
    accepted: list[acc.Acceptance] | None = None,
    fail_on: str = br.BREAKING,
) -> DiffResult:
    """Classify every change from `base` to `head` and mark the accepted ones."""
    changes = Differ(base, head).run()
    stale = acc.apply(accepted or [], changes)
    return DiffResult(
        changes,
        str(d.mapping(base.get("info")).get("version", "")),
        str(d.mapping(head.get("info")).get("version", "")),
        stale,
        fail_on,
    )


def verdict(result: DiffResult) -> str:
    failing = len(result.failing)
    noun = "breaking change(s)" if result.fail_on == br.BREAKING else "breaking/warning change(s)"
    if not failing:
        return f"PASS: no unaccepted {noun}."
    if result.major_bumped:
        return (
            f"PASS: {failing} unaccepted {noun}, and the major version increased "
            f"({result.base_version} -> {result.head_version})."
        )
    return (
        f"FAIL: {failing} unaccepted {noun} and the major version did not increase "
        f"({result.base_version} -> {result.head_version}). Revert them, bump the major version, or accept "
        f"each one in {acc.DEFAULT_PATH_LABEL} with a reason."
    )


def render_text(result: DiffResult, base_label: str, head_label: str) -> str:
    lines = [f"openapi diff {base_label} ({result.base_version}) -> {head_label} ({result.head_version})"]
    for change in result.changes:
        tag = change.level.upper() + (" (accepted)" if change.accepted else "")
        where = (
            f"{change.operation}" + (f" [{change.operation_id}]" if change.operation_id else "")
            if change.operation
            else "document"
        )
        lines.append(f"{tag:21} {change.rule}  {where}")
        lines.append(f"{'':21} at #{change.pointer}")
        if change.via and change.via != change.pointer:
            lines.append(f"{'':21} via #{change.via}")
        lines.append(f"{'':21} {change.message}")
        if change.accepted:
            lines.append(f"{'':21} accepted: {change.accepted}")
    for entry in result.stale:
        lines.append(
            f"warning: stale entry in {entry.source}: {entry.describe()} matches no change; remove it."
        )
    counts = result.counts()
    lines.append(
        f"{counts['breaking']} breaking ({counts['accepted']} accepted), {counts['warning']} warning, "
        f"{counts['info']} info"
    )
    lines.append(verdict(result))
    return "\n".join(lines)


def render_json(result: DiffResult, base_label: str, head_label: str) -> str:
    payload = {
        "base": {"source": base_label, "version": result.base_version},
        "head": {"source": head_label, "version": result.head_version},
        "summary": {
            **result.counts(),
            "major_version_increased": result.major_bumped,
            "result": "fail" if result.failed else "pass",
        },
        "changes": [c.as_dict() for c in result.changes],
        "stale_accepted": [e.as_dict() for e in result.stale],
        "verdict": verdict(result),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DiffResult, base_label: str, head_label: str) -> str:
    counts = result.counts()
    icon = "❌" if result.failed else "✅"
    lines = [
        f"### {icon} API changes: `{base_label}` ({result.base_version}) → "
        f"`{head_label}` ({result.head_version})",
        "",
        f"**{counts['breaking']} breaking** ({counts['accepted']} accepted), {counts['warning']} warning, "
        f"{counts['info']} info. {verdict(result)}",
    ]
    for level in br.LEVELS:
        group = [c for c in result.changes if c.level == level]
        if not group:
            continue
        title = f"{level.capitalize()} ({len(group)})"
        # Info is the long, harmless part: folded, so the breaking changes stay on screen in a PR comment.
        folded = level == br.INFO
        lines += ["", f"<details><summary>{title}</summary>" if folded else f"#### {title}", ""]
        lines += ["| rule | operation | location | change |", "| --- | --- | --- | --- |"]
        for c in group:
            message = c.message + (f" **Accepted:** {c.accepted}" if c.accepted else "")
            operation = (
                c.operation + (f" (`{c.operation_id}`)" if c.operation_id else "") if c.operation else ""
            )
            lines.append(f"| `{c.rule}` | {_cell(operation)} | `{_cell(c.pointer)}` | {_cell(message)} |")
        if folded:
            lines += ["", "</details>"]
    if result.stale:
        lines += ["", "#### Stale accepted changes", ""]
        lines += [f"- {_cell(e.describe())}: matches no change; remove it." for e in result.stale]
    return "\n".join(lines)


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}


def run(args: argparse.Namespace) -> int:
    """The `diff` command: load both specs, classify, print, and exit 1 when it must fail."""
    head_label = args.head or DEFAULT_HEAD_LABEL
    try:
        base = d.load(args.base, git_path=args.git_path)
        head = d.load(args.head or str(build.JSON_PATH), git_path=args.git_path)
        accepted = acc.load(Path(args.accepted) if args.accepted else None)
    except (d.SpecError, acc.AcceptedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = compare(base, head, accepted, args.fail_on)
    print(RENDERERS[args.format](result, args.base, head_label))
    return 1 if result.failed else 0
