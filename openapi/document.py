"""Reading any OpenAPI 3.x document: load it, follow local `$ref`s, walk its operations."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
DEFAULT_GIT_PATH = "openapi/openapi.json"


class SpecError(Exception):
    """The document cannot be read or is not an OpenAPI 3.x document."""


def escape(token: str) -> str:
    """One JSON pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer(*tokens: Any) -> str:
    """A JSON pointer built from raw tokens: pointer("paths", "/a", "get") == "/paths/~1a/get"."""
    return "".join("/" + escape(t) for t in tokens)


def join(base: str, *tokens: Any) -> str:
    return base + pointer(*tokens)


def parse_text(text: str, source: str) -> dict[str, Any]:
    """JSON or YAML text to a document; YAML is a superset of JSON, but JSON first is faster."""
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"{source}: neither JSON nor YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{source}: the document is not a mapping")
    version = str(data.get("openapi", ""))
    if not version.startswith("3."):
        found = f"swagger {data['swagger']}" if "swagger" in data else f"openapi {version or '(missing)'}"
        raise SpecError(f"{source}: only OpenAPI 3.0 and 3.1 documents are supported, found {found}")
    return data


def load(source: str, *, git_path: str = DEFAULT_GIT_PATH, cwd: Path | None = None) -> dict[str, Any]:
    """A spec from a file path, or from git: `git:REF` (reads `git_path` at REF) or `git:REF:PATH`."""
    if source.startswith("git:"):
        ref, _, path = source[4:].partition(":")
        path = path or git_path
        if not ref:
            raise SpecError(f"{source}: give a ref, e.g. git:origin/main")
        result = subprocess.run(
            ["git", "show", f"{ref}:{path}"], capture_output=True, text=True, cwd=cwd, check=False
        )
        if result.returncode != 0:
            raise SpecError(f"{source}: `git show {ref}:{path}` failed: {result.stderr.strip()}")
        return parse_text(result.stdout, source)
    file = Path(source)
    if not file.is_file():
        raise SpecError(f"{source}: no such file")
    return parse_text(file.read_text(encoding="utf-8"), source)


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one: a malformed document must not crash a walk."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def components(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """`components/<kind>` (e.g. `schemas`), empty when absent or malformed."""
    return mapping(mapping(doc.get("components")).get(kind))


def is_31(doc: dict[str, Any]) -> bool:
    return str(doc.get("openapi", "")).startswith("3.1")


def get(doc: Any, ptr: str) -> Any:
    """The value at a JSON pointer, or None when any step is missing."""
    node = doc
    for raw in ptr.split("/")[1:] if ptr else []:
        token = unescape(raw)
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
        if node is None:
            return None
    return node


def resolve(doc: dict[str, Any], node: Any, ptr: str) -> tuple[Any, str]:
    """Follow local `$ref`s (chains too) to the target and its pointer; external refs stay as they are.

    Keywords beside a `$ref` (allowed in 3.1) override the target's, so `{"$ref": ..., "description": ...}`
    reads as the target with that description.
    """
    seen: set[str] = set()
    overlay: dict[str, Any] = {}
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        ref = node["$ref"][1:]
        overlay = {**{k: v for k, v in node.items() if k != "$ref"}, **overlay}
        if ref in seen:
            break
        seen.add(ref)
        target = get(doc, ref)
        if target is None:
            break
        node, ptr = target, ref
    if overlay and isinstance(node, dict):
        node = {**node, **overlay}
    return node, ptr


def ref_name(node: Any) -> str | None:
    """`Todo` for `{"$ref": "#/components/schemas/Todo"}`."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return unescape(node["$ref"].rsplit("/", 1)[-1])
    return None


@dataclass(slots=True)
class Operation:
    """One operation with what it inherits from its path item and the document."""

    path: str
    method: str
    node: dict[str, Any]
    pointer: str
    parameters: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    section: str = "paths"  # or "webhooks": `path` is then the webhook's name

    @property
    def label(self) -> str:
        if self.section == "webhooks":
            return f"webhook {self.path} {self.method.upper()}"
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str | None:
        value = self.node.get("operationId")
        return value if isinstance(value, str) else None


def operations(doc: dict[str, Any], section: str = "paths") -> Iterator[Operation]:
    """Every operation (of `webhooks` when asked), with its parameters resolved and merged with the path
    item's."""
    for path, raw_item in mapping(doc.get(section)).items():
        if str(path).startswith("x-") or (section == "paths" and not str(path).startswith("/")):
            continue
        item, item_ptr = resolve(doc, raw_item, pointer(section, path))
        if not isinstance(item, dict):
            continue
        shared = _parameters(doc, item.get("parameters"), join(item_ptr, "parameters"))
        for method in HTTP_METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            op_ptr = join(item_ptr, method)
            own = _parameters(doc, node.get("parameters"), join(op_ptr, "parameters"))
            merged = {_param_key(p): (p, ptr) for p, ptr in shared}
            merged.update({_param_key(p): (p, ptr) for p, ptr in own})
            yield Operation(path, method, node, op_ptr, list(merged.values()), section)


def _param_key(param: dict[str, Any]) -> tuple[str, str]:
    name = str(param.get("name", ""))
    where = str(param.get("in", ""))
    return where, name.lower() if where == "header" else name


def _parameters(doc: dict[str, Any], raw: Any, base: str) -> list[tuple[dict[str, Any], str]]:
    found = []
    for index, entry in enumerate(raw if isinstance(raw, list) else []):
        param, ptr = resolve(doc, entry, join(base, index))
        if isinstance(param, dict):
            found.append((param, ptr))
    return found


def effective_security(doc: dict[str, Any], op: Operation) -> list[dict[str, Any]]:
    """The operation's security requirements: its own `security`, else the document's."""
    return [req for req in sequence(op.node.get("security", doc.get("security"))) if isinstance(req, dict)]


def is_secured(doc: dict[str, Any], op: Operation) -> bool:
    """True when a client must authenticate: some requirement applies and none of them is empty."""
    security = effective_security(doc, op)
    return bool(security) and all(req for req in security)


def schema_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema names (3.0 `type` + `nullable`, or 3.1 type lists), `null` included."""
    raw = schema.get("type")
    types = {raw} if isinstance(raw, str) else {t for t in sequence(raw) if isinstance(t, str)}
    if schema.get("nullable") is True and types:
        types.add("null")
    return types
