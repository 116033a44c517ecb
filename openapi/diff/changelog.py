"""The changelog for people: every change (breaking or not) from one version to the next, by operation."""

from __future__ import annotations

import json
from collections.abc import Callable

from openapi.diff.changes import Change, DiffResult
from openapi.diff.rules import LEVEL_RANK, LEVELS

DOCUMENT = "Whole document"


def _groups(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    """Changes by operation (`GET /pets (listPets)`), operations by path then method, document-level last."""
    groups: dict[str, list[Change]] = {}
    order: dict[str, tuple[int, str, str]] = {}
    for change in changes:
        if change.operation:
            method, _, path = change.operation.partition(" ")
            title = change.operation + (f" ({change.operation_id})" if change.operation_id else "")
            order.setdefault(title, (0, path, method))
        else:
            title = DOCUMENT
            order.setdefault(title, (1, "", ""))
        groups.setdefault(title, []).append(change)
    return [
        (title, sorted(groups[title], key=lambda c: (LEVEL_RANK[c.level], c.rule, c.pointer)))
        for title in sorted(groups, key=order.__getitem__)
    ]


def _summary(result: DiffResult) -> str:
    counts = result.counts()
    levels = ", ".join(f"{counts[level]} {level}" for level in LEVELS)
    return f"{len(result.changes)} change(s): {levels}"


def render_markdown(result: DiffResult, base_label: str, head_label: str) -> str:
    lines = [
        f"## API changelog: {result.base_version} → {result.head_version}",
        "",
        f"`{base_label}` → `{head_label}`. {_summary(result)}.",
    ]
    if not result.changes:
        lines += ["", "No changes."]
    for title, changes in _groups(result.changes):
        lines += ["", f"### {title}", ""]
        for change in changes:
            tag = "**breaking**" if change.level == "breaking" else change.level
            lines.append(f"- {tag}: {change.message} (`{change.rule}`)")
    return "\n".join(lines)


def render_text(result: DiffResult, base_label: str, head_label: str) -> str:
    lines = [f"API changelog {base_label} ({result.base_version}) -> {head_label} ({result.head_version})"]
    for title, changes in _groups(result.changes):
        lines += ["", title]
        lines += [f"  {c.level.upper():8} {c.message} [{c.rule}]" for c in changes]
    lines += ["", _summary(result)]
    return "\n".join(lines)


def render_json(result: DiffResult, base_label: str, head_label: str) -> str:
    payload = {
        "base": {"source": base_label, "version": result.base_version},
        "head": {"source": head_label, "version": result.head_version},
        "summary": result.counts(),
        "operations": [
            {"operation": title, "changes": [c.as_dict() for c in changes]}
            for title, changes in _groups(result.changes)
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


RENDERERS: dict[str, Callable[[DiffResult, str, str], str]] = {
    "markdown": render_markdown,
    "text": render_text,
    "json": render_json,
}
