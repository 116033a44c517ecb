"""The README documents every rule id that lint and diff can print."""

from __future__ import annotations

from pathlib import Path

from openapi import lint
from openapi.diff import rules as br
from openapi.diff import schema_values as sv

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## The published spec") :]


def test_every_lint_rule_is_documented():
    assert [rule_id for rule_id in lint.RULE_IDS if f"`{rule_id}`" not in SECTION] == []


def test_every_diff_rule_is_documented_with_its_level():
    fixed = {rule_id: rule.level for rule_id, rule in br.plain_rules().items()}
    missing = [rule_id for rule_id, level in fixed.items() if f"| `{rule_id}` | {level} |" not in SECTION]
    assert missing == []


def test_every_schema_check_and_bound_is_documented():
    words = [*sv.UPPER_BOUNDS.values(), *sv.LOWER_BOUNDS.values()]
    plain = [check for check in br.SCHEMA_CHECKS if not any(check.startswith(f"{w}-") for w in words)]
    assert [check for check in plain if f"`{check}`" not in SECTION] == []
    assert [word for word in words if f"`{word}`" not in SECTION] == []
