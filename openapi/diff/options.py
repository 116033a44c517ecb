"""How strict a diff run is: rule levels (ours or oasdiff's), per-rule overrides, and the level that fails.

Read once, at the edge: `openapi/diff-config.yaml` (beside `accepted-changes.yaml`) first, then the command
line's `--levels`, `--severity RULE=LEVEL`, `--fail-on` and `--deprecation-days-beta/-stable`, into one
`DiffOptions` the run reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from openapi.diff.rules import (
    BREAKING,
    INFO,
    OASDIFF,
    OURS,
    WARNING,
    Deprecation,
    LevelPolicy,
    check_overrides,
)

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "diff-config.yaml"
DEFAULT_PATH_LABEL = "openapi/diff-config.yaml"
BASES = (OURS, OASDIFF)
FAIL_ON = (BREAKING, WARNING)
# oasdiff's level names, accepted wherever a level is given
ALIASES = {"err": BREAKING, "error": BREAKING, "warn": WARNING, "info": INFO}
KEYS = ("levels", "severity", "fail-on", "deprecation-days-beta", "deprecation-days-stable")


class OptionsError(Exception):
    """The diff configuration is malformed: a level must not change by accident."""


@dataclass(frozen=True, slots=True)
class DiffOptions:
    levels: str = OURS
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = BREAKING
    deprecation: Deprecation = field(default_factory=Deprecation)

    @property
    def policy(self) -> LevelPolicy:
        return LevelPolicy(self.levels, self.severity, self.deprecation)


def _level(value: Any) -> str:
    text = str(value).strip().lower()
    return ALIASES.get(text, text)


def parse_severity(items: Sequence[str], source: str) -> dict[str, str]:
    """`RULE=LEVEL` strings to a mapping (levels: breaking/warning/info, or oasdiff's ERR/WARN/INFO)."""
    out = {}
    for item in items:
        rule, sep, level = item.partition("=")
        if not sep or not rule.strip():
            raise OptionsError(
                f"{source}: {item!r} is not RULE=LEVEL (e.g. request-parameter-removed=breaking)"
            )
        out[rule.strip()] = _level(level)
    return out


def load_file(path: Path | None = None) -> dict[str, Any]:
    """The configuration file's settings (default: openapi/diff-config.yaml, which may be absent)."""
    file = path or DEFAULT_PATH
    label = DEFAULT_PATH_LABEL if path is None else str(path)
    if not file.is_file():
        if path is not None:
            raise OptionsError(f"{label}: no such file")
        return {}
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise OptionsError(f"{label}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise OptionsError(f"{label}: must be a mapping with {', '.join(KEYS)}")
    unknown = set(data) - set(KEYS)
    if unknown:
        raise OptionsError(f"{label}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(KEYS)})")
    severity = data.get("severity") or {}
    if not isinstance(severity, dict):
        raise OptionsError(f"{label}: `severity` must map rule ids to levels")
    return {
        "levels": data.get("levels"),
        "fail_on": _level(data["fail-on"]) if data.get("fail-on") else None,
        "severity": {str(k): _level(v) for k, v in severity.items()},
        "days": {key: _days(data[key], f"{label}: `{key}`") for key in KEYS[3:] if data.get(key) is not None},
        "label": label,
    }


def _days(value: Any, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OptionsError(f"{source} must be a whole number of days (0 or more), not {value!r}")
    return value


def resolve(
    config: Path | None = None,
    *,
    levels: str | None = None,
    severity: Sequence[str] = (),
    fail_on: str | None = None,
    deprecation_days_beta: int | None = None,
    deprecation_days_stable: int | None = None,
) -> DiffOptions:
    """The file's settings overridden by the command line's; every rule id and level checked."""
    file = load_file(config)
    label = file.get("label", DEFAULT_PATH_LABEL)
    chosen_levels = levels or file.get("levels") or OURS
    if chosen_levels not in BASES:
        raise OptionsError(f"{label}: `levels` must be one of {', '.join(BASES)}, not {chosen_levels!r}")
    chosen_fail = _level(fail_on) if fail_on else (file.get("fail_on") or BREAKING)
    if chosen_fail not in FAIL_ON:
        raise OptionsError(f"{label}: `fail-on` must be one of {', '.join(FAIL_ON)}, not {chosen_fail!r}")
    overrides = dict(file.get("severity", {}))
    problems = check_overrides(overrides, label)
    cli = parse_severity(severity, "--severity")
    problems += check_overrides(cli, "--severity")
    if problems:
        raise OptionsError("; ".join(problems))
    days = file.get("days", {})
    beta = deprecation_days_beta if deprecation_days_beta is not None else days.get(KEYS[3], 0)
    stable = deprecation_days_stable if deprecation_days_stable is not None else days.get(KEYS[4], 0)
    deprecation = Deprecation(
        _days(beta, "--deprecation-days-beta"), _days(stable, "--deprecation-days-stable")
    )
    return DiffOptions(chosen_levels, {**overrides, **cli}, chosen_fail, deprecation)
