"""Rendering a diff result for people and tools: text for a terminal, JSON, markdown for a pull request."""

from __future__ import annotations

import json

from openapi.diff.changes import DiffResult, verdict
from openapi.diff.rules import INFO, LEVELS


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
    for level in LEVELS:
        group = [c for c in result.changes if c.level == level]
        if not group:
            continue
        title = f"{level.capitalize()} ({len(group)})"
        # Info is the long, harmless part: folded, so the breaking changes stay on screen in a PR comment.
        folded = level == INFO
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
