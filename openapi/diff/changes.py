"""The changes a diff found and the verdict on them: which fail the run, and why or why not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from openapi import accepted as acc
from openapi.diff.rules import BREAKING, LEVEL_RANK, LEVELS


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


def sort_key(change: Change) -> tuple[int, str, str, str]:
    return (LEVEL_RANK[change.level], change.operation or "", change.pointer, change.rule)


def major(version: Any) -> int | None:
    match = re.match(r"^\D*(\d+)", str(version or ""))
    return int(match.group(1)) if match else None


@dataclass(slots=True)
class DiffResult:
    changes: list[Change]
    base_version: str
    head_version: str
    stale: list[acc.Acceptance]
    fail_on: str = BREAKING

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
        counts = {level: 0 for level in LEVELS}
        for change in self.changes:
            counts[change.level] += 1
        counts["accepted"] = sum(1 for c in self.changes if c.accepted)
        return counts


def verdict(result: DiffResult) -> str:
    failing = len(result.failing)
    noun = "breaking change(s)" if result.fail_on == BREAKING else "breaking/warning change(s)"
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
