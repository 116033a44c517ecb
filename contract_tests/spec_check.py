"""What in the spec would make Schemathesis crash or silently test less, found before the engine runs.

Three kinds of defect, each with its JSON pointer, what is wrong and what to fix:
- a local `$ref` that points nowhere (Schemathesis then drops the parameter or the body it stands for);
- a JSON Schema keyword of the wrong type (`examples: 1` where an array is required), which Schemathesis'
  coverage phase reads without checking and crashes on;
- anything else the OpenAPI meta-schema of the document's version rejects (not formats: URLs may be
  relative).

A defect is placed on every operation that reaches it (directly or through `$ref`s); one no operation
reaches is the document's. A document that is no OpenAPI document, or has no operation, cannot be tested.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from openapi import document as d
from openapi import schema_walk

# The gate's own phase and check for what it finds in the document itself.
PHASE = "spec"
CHECK = "spec_validity"
# A meta-schema message longer than this is cut (jsonschema_rs starts it with the whole offending value).
MESSAGE_CHARS = 300
# Versions the gate knows a meta-schema for: Schemathesis' copy of each, and the JSON Schema draft it is in.
VALIDATORS = (
    (re.compile(r"2\.0$"), "SWAGGER_20", "Draft4Validator"),
    (re.compile(r"3\.0\.\d+$"), "OPENAPI_30", "Draft4Validator"),
    (re.compile(r"3\.1\.\d+$"), "OPENAPI_31", "Draft202012Validator"),
)
# Keys under which a document holds data, not OpenAPI objects: a `$ref` there is a value, not a reference.
DATA_KEYS = ("example", "default", "const", "enum", "value")


@dataclass(frozen=True, slots=True)
class SpecDefect:
    """One place the document is wrong: where, what, and what to change."""

    pointer: str
    problem: str
    fix: str

    def describe(self) -> str:
        return f"{self.pointer or '/'}: {self.problem}. Fix: {self.fix}."


def unloadable(raw: Any) -> str | None:
    """Why the document cannot be tested at all (the run's exit 2), or None."""
    if not isinstance(raw, dict):
        return f"it is not an OpenAPI document: a JSON or YAML object was expected, got {_kind(raw)}"
    version = raw.get("openapi", raw.get("swagger"))
    key = "openapi" if "openapi" in raw else "swagger"
    if version is None:
        return "it is not an OpenAPI document: it has no `openapi` field (e.g. `openapi: 3.1.0`)"
    if _validator_name(raw) is None:
        return (
            f"`{key}: {version}` is not a version the gate tests: write an OpenAPI 3.0.x or 3.1.x document "
            "(or Swagger 2.0)"
        )
    if "paths" in raw and not isinstance(raw["paths"], dict):
        return f"`paths` must be an object of path items, got {_kind(raw['paths'])}"
    if not any(True for _ in d.operations(raw)):
        return "it has no operation under `paths`: there is nothing to test"
    return None


def find_defects(raw: dict[str, Any]) -> list[SpecDefect]:
    """Every defect of a loadable document, in document order; the meta-schema's only where nothing more
    precise explains it."""
    precise = [*dangling_refs(raw), *keyword_types(raw)]
    covered = [defect.pointer for defect in precise]
    general = [
        defect
        for defect in meta_schema_errors(raw)
        if not any(_within(pointer, defect.pointer) for pointer in covered)
    ]
    unique = {(defect.pointer, defect.problem): defect for defect in [*precise, *general]}
    return sorted(unique.values(), key=lambda defect: defect.pointer)


def dangling_refs(raw: dict[str, Any]) -> Iterator[SpecDefect]:
    """Local `$ref`s whose target does not exist (references to other files are Schemathesis' to load)."""
    for node, ptr in _objects(raw, ""):
        ref = node.get("$ref")
        if "$ref" not in node:
            continue
        where = d.join(ptr, "$ref")
        if not isinstance(ref, str):
            yield SpecDefect(
                where, f"`$ref` must be a string, got {_kind(ref)}", "write the reference as text"
            )
        elif ref.startswith("#") and ref != "#" and not _exists(raw, ref[1:]):
            yield SpecDefect(
                where,
                f"`$ref: {ref}` points to nothing in the document, so Schemathesis tests this part as if it "
                "were not there",
                f"define {ref[1:]} or point the `$ref` at an existing component",
            )


@dataclass(frozen=True, slots=True)
class Keyword:
    """A JSON Schema keyword's required type: a test, its description, and how to write it right."""

    accepts: Callable[[Any, bool], bool]
    expected: str
    fix: str = ""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


TYPES = {"null", "boolean", "object", "array", "number", "string", "integer"}
_SCHEMA_OR_BOOL = Keyword(lambda v, v31: isinstance(v, dict | bool), "a schema (an object) or a boolean")
_SCHEMAS = Keyword(
    lambda v, v31: isinstance(v, list) and bool(v) and all(isinstance(i, dict | bool) for i in v),
    "a non-empty array of schemas",
)
KEYWORDS: dict[str, Keyword] = {
    "examples": Keyword(
        lambda v, v31: isinstance(v, list),
        "an array of example values",
        "write the values as a list (`examples: [VALUE]`), or one value as `example: VALUE`",
    ),
    "enum": Keyword(lambda v, v31: isinstance(v, list) and bool(v), "a non-empty array of allowed values"),
    "required": Keyword(
        lambda v, v31: isinstance(v, list) and all(isinstance(i, str) for i in v),
        "an array of property names",
        "list the required property names in the object schema (`required: [name]`)",
    ),
    "type": Keyword(
        lambda v, v31: (
            (v in TYPES if isinstance(v, str) else False)
            or (v31 and isinstance(v, list) and bool(v) and all(isinstance(i, str) and i in TYPES for i in v))
        ),
        "one of " + ", ".join(sorted(TYPES)) + " (3.1 also takes a list of them)",
    ),
    **{
        key: Keyword(
            lambda v, v31: isinstance(v, dict) and all(isinstance(i, dict | bool) for i in v.values()),
            "an object of schemas",
        )
        for key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
    },
    "items": Keyword(
        lambda v, v31: isinstance(v, dict | bool) or (not v31 and isinstance(v, list)),
        "a schema (an object)",
    ),
    **{
        key: _SCHEMA_OR_BOOL
        for key in ("additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
    },
    **{key: _SCHEMAS for key in ("allOf", "anyOf", "oneOf", "prefixItems")},
    **{key: Keyword(lambda v, v31: _number(v), "a number") for key in ("minimum", "maximum")},
    "multipleOf": Keyword(lambda v, v31: _number(v) and v > 0, "a number greater than 0"),
    **{
        key: Keyword(
            lambda v, v31: _number(v) if v31 else isinstance(v, bool), "a number (3.1), boolean (3.0)"
        )
        for key in ("exclusiveMinimum", "exclusiveMaximum")
    },
    **{
        key: Keyword(lambda v, v31: _count(v), "a non-negative integer")
        for key in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
    },
    **{
        key: Keyword(lambda v, v31: isinstance(v, bool), "a boolean")
        for key in ("nullable", "readOnly", "writeOnly", "uniqueItems", "deprecated")
    },
    **{key: Keyword(lambda v, v31: isinstance(v, str), "a string") for key in ("format", "pattern")},
}


def keyword_types(raw: dict[str, Any]) -> Iterator[SpecDefect]:
    """JSON Schema keywords whose value has the wrong type, in every schema the document writes."""
    v31 = d.is_31(raw)
    for schema, ptr in schema_walk.all_schemas(raw):
        for key, rule in KEYWORDS.items():
            if key not in schema:
                continue
            value = schema[key]
            if rule.accepts(value, v31):
                continue
            yield SpecDefect(
                d.join(ptr, key),
                f"`{key}` must be {rule.expected}, got {_kind(value)}; Schemathesis reads it as one and may "
                "crash or generate nothing for this schema",
                rule.fix or f"make `{key}` {rule.expected}",
            )


def meta_schema_errors(raw: dict[str, Any]) -> Iterator[SpecDefect]:
    """What the meta-schema of the document's OpenAPI version rejects, one defect per place."""

    name = _validator_name(raw)
    if name is None:
        return
    version = raw.get("openapi", raw.get("swagger"))
    try:
        errors = list(_meta_validator(name).iter_errors(raw))
    except (TypeError, ValueError):  # a key that is no string: the validator gives up, as Schemathesis does
        return
    for error in (leaf for top in errors for leaf in _leaves(top)):
        ptr = d.pointer(*error.instance_path)
        yield SpecDefect(
            ptr,
            f"not valid OpenAPI {version}: {_short(error.message)}",
            f"correct this object as the OpenAPI {version} specification describes it "
            "(`python -m openapi lint FILE` lists every field the meta-schema rejects)",
        )


def _leaves(error: Any, depth: int = 0) -> list[Any]:
    """The errors that say what is wrong, below a `oneOf` of "a Reference or the object" (OpenAPI 3.0's way).

    The Reference alternative fails only for want of `$ref`; the other alternative's errors are the news.
    """
    context = getattr(error.kind, "context", None)
    if not context or depth > 20:
        return [error]
    alternatives = [alt for alt in context if not all(_wants_ref(sub) for sub in alt)]
    if len(alternatives) != 1 or not alternatives[0]:
        return [error]
    return [leaf for sub in alternatives[0] for leaf in _leaves(sub, depth + 1)]


def _wants_ref(error: Any) -> bool:
    return "Reference" in [str(part) for part in error.schema_path]


# The key of the defects no operation reaches, in `check_document`'s answer.
DOCUMENT = ""


def check_document(raw: dict[str, Any]) -> dict[str, tuple[SpecDefect, ...]]:
    """The defects of a loadable document by the operation they concern (`DOCUMENT`: by none)."""
    by_operation, rest = place(raw, find_defects(raw))
    placed = {label: tuple(defects) for label, defects in by_operation.items()}
    if rest:
        placed[DOCUMENT] = tuple(rest)
    return placed


def place(
    raw: dict[str, Any], defects: list[SpecDefect]
) -> tuple[dict[str, list[SpecDefect]], list[SpecDefect]]:
    """The defects of each operation (its own and those of what it references), and the document's rest."""
    by_operation: dict[str, list[SpecDefect]] = {}
    placed: set[SpecDefect] = set()
    for op in d.operations(raw):
        roots = _reached(raw, op)
        mine = [defect for defect in defects if any(_within(defect.pointer, root) for root in roots)]
        if mine:
            by_operation[op.label] = mine
            placed.update(mine)
    return by_operation, [defect for defect in defects if defect not in placed]


def _reached(raw: dict[str, Any], op: d.Operation) -> list[str]:
    """The pointers an operation is made of: itself, its path item's shared parts, every `$ref` target."""
    item_ptr = op.pointer.rpartition("/")[0]
    item = d.get(raw, item_ptr)
    shared = [
        d.join(item_ptr, key) for key in (item if isinstance(item, dict) else {}) if key not in d.HTTP_METHODS
    ]
    roots = [op.pointer, *shared]
    pending = [d.get(raw, root) for root in roots]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        for found, _ in _objects(node, ""):
            ref = found.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and ref[1:] not in seen:
                seen.add(ref[1:])
                roots.append(ref[1:])
                pending.append(d.get(raw, ref[1:]))
    # A defect on the path item itself (`/paths/~1items`) concerns each of its operations.
    return [*roots, f"={item_ptr}"]


def _within(ptr: str, root: str) -> bool:
    if root.startswith("="):  # exactly this pointer
        return ptr == root[1:]
    return ptr == root or ptr.startswith(root + "/")


def _objects(node: Any, ptr: str, parent: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Every object of the document with its pointer, leaving out data (examples, defaults, enums)."""
    if isinstance(node, dict):
        yield node, ptr
        for key, value in node.items():
            data = key in DATA_KEYS or str(key).startswith("x-")
            data = data or (key == "examples" and isinstance(value, list))
            if data and parent not in schema_walk.MAP_KEYS:
                continue
            yield from _objects(value, d.join(ptr, key), str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, d.join(ptr, index))


def _exists(raw: dict[str, Any], ptr: str) -> bool:
    node: Any = raw
    for token in ptr.split("/")[1:]:
        token = d.unescape(token)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def _validator_name(raw: dict[str, Any]) -> str | None:
    version = str(raw.get("openapi", raw.get("swagger", "")))
    key = "openapi" if "openapi" in raw else "swagger"
    for pattern, name, _ in VALIDATORS:
        if pattern.match(version) and (key == "swagger") == name.startswith("SWAGGER"):
            return name
    return None


@functools.cache
def _meta_validator(name: str) -> Any:
    """The meta-schema's validator without format checks: OpenAPI lets URL fields be relative references
    (`tokenUrl: /token`, 3.0 and 3.1 section "Relative References in URLs") where the meta-schema says
    `format: uri`, and Schemathesis' own validator, built for responses, checks formats."""
    import jsonschema_rs
    from schemathesis.specs.openapi import definitions

    draft = next(draft for _, each, draft in VALIDATORS if each == name)
    return getattr(jsonschema_rs, draft)(getattr(definitions, name), validate_formats=False)


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    text = repr(value) if not isinstance(value, list | dict) else ""
    text = text if len(text) <= 40 else text[:40] + "..."
    return f"{names.get(type(value), type(value).__name__)} {text}".rstrip()


def _short(message: str) -> str:
    """A meta-schema message without the offending value it starts with (often a whole object)."""
    if message[:1] in "{[" and " is not " in message:
        message = "the value" + message[message.index(" is not ") :]
    return message if len(message) <= MESSAGE_CHARS else message[:MESSAGE_CHARS] + "..."
