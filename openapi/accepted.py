"""Accepted breaking changes: `accepted-changes.yaml` entries, each a rule, a location and a reason."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent / "accepted-changes.yaml"
DEFAULT_PATH_LABEL = "openapi/accepted-changes.yaml"


class Reported(Protocol):
    """What an entry matches against: a change as `diff` reports it (`openapi.diff.Change`)."""

    rule: str
    operation: str | None
    operation_id: str | None
    pointer: str
    via: str | None
    accepted: str | None


class AcceptedError(Exception):
    """The accepted-changes file is malformed: a change must not be accepted by accident."""


@dataclass(slots=True)
class Acceptance:
    rule: str
    reason: str
    operation: str | None = None  # "GET /api/todos/{todo_id}" or an operationId
    pointer: str | None = None  # a JSON pointer: where the change is, or its `via` from the operation
    source: str = DEFAULT_PATH_LABEL

    def matches(self, change: Reported) -> bool:
        if change.rule != self.rule:
            return False
        if self.operation is not None and _norm_operation(self.operation) not in (
            _norm_operation(change.operation or ""),
            change.operation_id,
        ):
            return False
        return self.pointer is None or self.pointer.lstrip("#") in (change.pointer, change.via)

    def describe(self) -> str:
        parts = [f"rule {self.rule}"]
        if self.operation:
            parts.append(f"operation {self.operation}")
        if self.pointer:
            parts.append(f"pointer {self.pointer}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "operation": self.operation,
            "pointer": self.pointer,
            "reason": self.reason,
        }


def _norm_operation(text: str) -> str:
    method, _, path = text.strip().partition(" ")
    return f"{method.upper()} {path.strip()}" if path else text.strip()


def load(path: Path | None = None, *, known: Collection[str]) -> list[Acceptance]:
    """The entries of `path` (default: openapi/accepted-changes.yaml, which may be absent); each must name
    one of the `known` rule ids."""
    file = path or DEFAULT_PATH
    if not file.is_file():
        if path is not None:
            raise AcceptedError(f"{file}: no such file")
        return []
    label = DEFAULT_PATH_LABEL if path is None else str(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise AcceptedError(f"{label}: not valid YAML: {exc}") from exc
    entries = data.get("accepted") if isinstance(data, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise AcceptedError(f"{label}: `accepted` must be a list of entries")
    return [_entry(raw, index, label, known) for index, raw in enumerate(entries)]


def _entry(raw: Any, index: int, label: str, known: Collection[str]) -> Acceptance:
    where = f"{label}: entry {index + 1}"
    if not isinstance(raw, dict):
        raise AcceptedError(f"{where}: must be a mapping with rule, operation and/or pointer, reason")
    unknown = set(raw) - {"rule", "operation", "pointer", "reason"}
    if unknown:
        raise AcceptedError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rule = raw.get("rule")
    if rule not in known:
        raise AcceptedError(f"{where}: unknown rule {rule!r} (see `python -m openapi rules`)")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise AcceptedError(f"{where}: give a reason (who agreed, and why clients are not affected)")
    operation, pointer = raw.get("operation"), raw.get("pointer")
    if operation is None and pointer is None:
        raise AcceptedError(
            f"{where}: give an operation and/or a pointer, so it accepts one change, not a rule"
        )
    for key, value in (("operation", operation), ("pointer", pointer)):
        if value is not None and not isinstance(value, str):
            raise AcceptedError(f"{where}: `{key}` must be a string")
    return Acceptance(str(rule), reason.strip(), operation, pointer, label)


def apply(entries: list[Acceptance], changes: Sequence[Reported]) -> list[Acceptance]:
    """Mark accepted changes with their reason; return the entries that matched nothing (stale)."""
    stale = []
    for entry in entries:
        matched = False
        for change in changes:
            if entry.matches(change):
                change.accepted = entry.reason
                matched = True
        if not matched:
            stale.append(entry)
    return stale
