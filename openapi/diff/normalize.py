"""Schemas by meaning, not shape: one form for the ways of writing the same set of values.

Before a rule compares two schemas both go through `Normalizer.schema`, so a refactor that accepts and
returns the same values reports nothing:
- `type: X` and `type: [X]`; 3.0 `nullable: true`, 3.1 `type: [X, "null"]`, a `null` enum value and an
  `anyOf`/`oneOf` branch `{type: "null"}` all become `type: [X]` plus `nullable: true`;
- `const: V` is `enum: [V]`; a `pattern` that matches any string (`""`, `.*`) is no pattern; 3.0 boolean
  `exclusiveMaximum`/`exclusiveMinimum` are 3.1 numbers;
  draft-4 tuple `items: [...]` is `prefixItems`;
- an `anyOf`/`oneOf` with one branch is that branch; `allOf` branches are merged into one schema when they
  do not contradict each other (properties and `required` unite, bounds take the tightest, types and enums
  intersect), so moving properties into a shared base schema is not a change.
A merged keyword remembers where it was written (`origin`), so a change still points at its source.
"""

from __future__ import annotations

from typing import Any

from openapi import document as d

ORIGIN = "x-diff-origin"  # tokens -> pointer of each property/keyword lifted out of a branch
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "example",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "xml",
        "externalDocs",
        "$comment",
        "$id",
        "$schema",
        "discriminator",
        ORIGIN,
    }
)
LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
NO_MERGE = object()
MATCH_ANYTHING = frozenset({"", ".*", "^.*", ".*$", "^.*$"})  # a `pattern` that refuses no string


def _is_null_branch(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "null" or schema.get("type") == ["null"] or schema.get("enum") == [None]
    )


class Normalizer:
    """Normalises the schemas of one document; results are cached per pointer."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self._cache: dict[tuple[str, int], tuple[dict[str, Any], str, dict[str, Any]]] = {}

    def schema(self, schema: dict[str, Any], ptr: str) -> tuple[dict[str, Any], str]:
        """`schema` (at `ptr`, already resolved) in normal form, and the pointer to report it at."""
        return self._normal(schema, ptr, frozenset())[:2]

    def _normal(
        self, schema: dict[str, Any], ptr: str, stack: frozenset[str]
    ) -> tuple[dict[str, Any], str, dict[str, Any]]:
        key = (ptr, id(schema))
        cached = self._cache.get(key)
        if cached is not None and cached[2] is schema:
            return cached[0], cached[1], schema
        out, out_ptr = self._build(schema, ptr, stack | {ptr})
        self._cache[key] = (out, out_ptr, schema)
        return out, out_ptr, schema

    def _resolved(self, node: Any, ptr: str, stack: frozenset[str]) -> tuple[dict[str, Any], str] | None:
        target, target_ptr = d.resolve(self.doc, node, ptr)
        if not isinstance(target, dict) or target_ptr in stack or "$ref" in target:
            return None  # an external or circular reference stays as written
        return self._normal(target, target_ptr, stack)[:2]

    def _build(self, schema: dict[str, Any], ptr: str, stack: frozenset[str]) -> tuple[dict[str, Any], str]:
        out = dict(schema)
        nullable = _basic_forms(out)
        for key in ("anyOf", "oneOf"):
            branches = out.get(key)
            if not isinstance(branches, list):
                continue
            kept = [(i, b) for i, b in enumerate(branches) if not _is_null_branch(b)]
            if len(kept) < len(branches):
                nullable = True
            if len(kept) == 1:
                index, branch = kept[0]
                lifted = self._resolved(branch, d.join(ptr, key, index), stack)
                rest = {k: v for k, v in out.items() if k != key}
                merged = _merge([(rest, ptr), lifted]) if lifted else NO_MERGE
                if merged is not NO_MERGE:
                    out, ptr = merged, (lifted[1] if not has_assertions(rest) else ptr)
                    nullable = nullable or out.pop("nullable", False)
                    continue
            if len(kept) < len(branches):
                out[key] = [b for _, b in kept]
        if isinstance(out.get("allOf"), list):
            branches = [self._resolved(b, d.join(ptr, "allOf", i), stack) for i, b in enumerate(out["allOf"])]
            if all(branches):
                rest = {k: v for k, v in out.items() if k != "allOf"}
                merged = _merge([(rest, ptr), *branches])
                if merged is not NO_MERGE:
                    out = merged
        out["nullable"] = bool(nullable or out.get("nullable"))
        return out, ptr


def _basic_forms(out: dict[str, Any]) -> bool:
    """Rewrite `type`, `const`, exclusive bounds and tuple `items` in place; True when null is allowed."""
    raw = out.get("type")
    types = [raw] if isinstance(raw, str) else [t for t in d.sequence(raw) if isinstance(t, str)]
    # 3.0 `nullable` means something only beside a `type`
    nullable = "null" in types or (out.get("nullable") is True and bool(types))
    if "type" in out:
        out["type"] = sorted(set(types) - {"null"})
    if "const" in out and "enum" not in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("enum"), list):
        nullable = nullable or None in out["enum"]
        out["enum"] = [v for v in out["enum"] if v is not None]
    for exclusive, bound in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
        if isinstance(out.get(exclusive), bool) and out.pop(exclusive) and _nums(out.get(bound)):
            out[exclusive] = out.pop(bound)
    if isinstance(out.get("items"), list) and "prefixItems" not in out:
        out["prefixItems"] = out.pop("items")
        if "additionalItems" in out:
            out["items"] = out.pop("additionalItems")
    if out.get("pattern") in MATCH_ANYTHING:
        del out["pattern"]
    out.pop("nullable", None)
    return nullable


def has_assertions(schema: dict[str, Any]) -> bool:
    return any(key not in ANNOTATIONS and key != "nullable" for key in schema)


def _merge(parts: list[tuple[dict[str, Any], str]]) -> Any:
    """One schema that means all of `parts`, or NO_MERGE when they conflict in a way we do not model."""
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    typed_nullable: list[bool] = []
    for schema, ptr in parts:
        if "type" in schema:
            typed_nullable.append(bool(schema.get("nullable")))
        for key, value in schema.items():
            if key == "nullable":
                continue
            if key == ORIGIN:
                origin.update(value)
            elif key == "properties" and isinstance(value, dict):
                props = out.setdefault("properties", {})
                for name, prop in value.items():
                    if name in props and props[name] != prop:
                        return NO_MERGE
                    props[name] = prop
                    origin.setdefault(f"properties/{name}", d.join(ptr, "properties", name))
            elif key == "required" and isinstance(value, list):
                out["required"] = [
                    *out.get("required", []),
                    *(v for v in value if v not in out.get("required", [])),
                ]
            elif key not in out or out[key] == value:
                out[key] = value
                origin.setdefault(key, d.join(ptr, key))
            elif key == "type":
                both = [t for t in out["type"] if t in value]
                both += ["integer"] if "integer" in value and "number" in out["type"] else []
                both += ["integer"] if "integer" in out["type"] and "number" in value else []
                out["type"] = sorted(set(both))
            elif key in LOWER and _nums(out[key], value):
                out[key] = max(out[key], value)
            elif key in UPPER and _nums(out[key], value):
                out[key] = min(out[key], value)
            elif key == "enum" and isinstance(value, list) and isinstance(out[key], list):
                out[key] = [v for v in out[key] if v in value]
            elif key in ANNOTATIONS:
                continue  # the first one written wins; annotations do not change the values
            else:
                return NO_MERGE
    if typed_nullable:
        out["nullable"] = all(typed_nullable)
    if origin:
        out[ORIGIN] = origin
    return out


def _nums(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def origin(schema: dict[str, Any], ptr: str, *tokens: Any) -> str:
    """Where `schema`'s keyword or property (`tokens`) was written: its source before merging, or `ptr`."""
    key = "/".join(str(t) for t in tokens)
    return d.mapping(schema.get(ORIGIN)).get(key) or d.join(ptr, *tokens)
