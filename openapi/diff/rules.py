"""The diff rule registry: each rule once, with its id, level, oasdiff's level, summary and message template.

A check module defines the rules it reports (`define`, `schema_check`) next to the code that finds them. A
schema check applies wherever a schema sits, so it becomes one rule per place (`<place>-<check>`); its level
depends on who sends the value: a stricter request breaks clients that send what used to be fine, a looser
response breaks clients that rely on what used to be guaranteed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

BREAKING, WARNING, INFO = "breaking", "warning", "info"
LEVELS = (BREAKING, WARNING, INFO)
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
OURS, OASDIFF = "ours", "oasdiff"
REQUEST_SUBJECTS = ("request-body", "request-parameter", "request-property")
RESPONSE_SUBJECTS = ("response-body", "response-header", "response-property")
SUBJECTS = (*REQUEST_SUBJECTS, *RESPONSE_SUBJECTS)


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of change. `oasdiff_level` is the level oasdiff gives it (INFO when oasdiff does not report
    it); `why` says why ours differs."""

    id: str
    level: str
    summary: str
    message: str  # a `str.format` template; the check supplies the fields
    oasdiff_level: str
    oasdiff_id: str | None = None  # oasdiff's id when it names the rule differently; "" when it has none
    why: str = ""
    schema_check: str = ""  # the schema check it comes from, e.g. `enum-value-added`; "" for the others

    def text(self, **fields: object) -> str:
        return self.message.format(**fields)

    @property
    def id_in_oasdiff(self) -> str | None:
        return self.id if self.oasdiff_id is None else (self.oasdiff_id or None)


RULES: dict[str, Rule] = {}


def plain_rules() -> dict[str, Rule]:
    """The rules that are not a schema check at some place."""
    return {rule_id: rule for rule_id, rule in RULES.items() if not rule.schema_check}


def define(
    rule_id: str,
    level: str,
    summary: str,
    message: str,
    *,
    oasdiff: str | None = None,
    oasdiff_id: str | None = None,
    why: str = "",
    schema_check: str = "",
) -> Rule:
    """Register a rule; `oasdiff` is oasdiff's level when it differs from ours."""
    if rule_id in RULES:
        raise ValueError(f"diff rule {rule_id!r} is defined twice")
    for value in (level, oasdiff or level):
        if value not in LEVELS:
            raise ValueError(f"diff rule {rule_id!r}: unknown level {value!r}")
    if oasdiff_id == "" and oasdiff is None:
        oasdiff = INFO  # oasdiff does not report it, so for oasdiff it never fails
    rule = Rule(rule_id, level, summary, message, oasdiff or level, oasdiff_id, why, schema_check)
    RULES[rule_id] = rule
    return rule


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """A check that applies to every schema: one rule per place, levels by direction."""

    name: str
    request: str | None  # level in a request; None: not reported there
    response: str | None
    summary: str
    message: str
    rules: Mapping[str, Rule] = field(default_factory=dict)  # subject -> rule

    def rule(self, subject: str) -> Rule | None:
        return self.rules.get(subject)


SCHEMA_CHECKS: dict[str, SchemaCheck] = {}


def schema_check(
    name: str,
    request: str | None,
    response: str | None,
    summary: str,
    message: str,
    *,
    oasdiff: tuple[str | None, str | None] = (None, None),
    oasdiff_at: Mapping[str, str] | None = None,
    oasdiff_names: bool = True,
    oasdiff_as: str = "",
    why: str = "",
    subjects: tuple[str, ...] = SUBJECTS,
) -> SchemaCheck:
    """Register `<subject>-<name>` for every subject where the check has a level.

    `oasdiff` gives oasdiff's (request, response) levels where they differ from ours, `oasdiff_at` a
    level for one subject; `oasdiff_names=False` when oasdiff has no such rule at all, `oasdiff_as` the
    check's name in oasdiff's ids when it differs (`became-enum` for our `enum-set`); `subjects` the
    places it can happen at, when not all.
    """
    if name in SCHEMA_CHECKS:
        raise ValueError(f"schema check {name!r} is defined twice")
    rules = {}
    for places, level, theirs in (
        (REQUEST_SUBJECTS, request, oasdiff[0]),
        (RESPONSE_SUBJECTS, response, oasdiff[1]),
    ):
        if level is None:
            continue
        for subject in (s for s in places if s in subjects):
            rules[subject] = define(
                f"{subject}-{name}",
                level,
                f"{subject.replace('-', ' ')}: {summary}",
                "{what}: " + message,
                oasdiff=(oasdiff_at or {}).get(subject, theirs),
                oasdiff_id=(f"{subject}-{oasdiff_as}" if oasdiff_as else None) if oasdiff_names else "",
                why=why,
                schema_check=name,
            )
    check = SchemaCheck(name, request, response, summary, message, rules)
    SCHEMA_CHECKS[name] = check
    return check


@dataclass(frozen=True, slots=True)
class Deprecation:
    """How long a deprecated operation or parameter must be announced before its sunset, by its stability
    (`--deprecation-days-beta`, `--deprecation-days-stable`); 0: a sunset date is not required."""

    beta_days: int = 0
    stable_days: int = 0
    today: date | None = None  # None: the day the diff runs

    def days(self, stability: str | None) -> int:
        return {"beta": self.beta_days, "stable": self.stable_days, None: self.stable_days}.get(stability, 0)

    def now(self) -> date:
        return self.today or date.today()


@dataclass(frozen=True, slots=True)
class LevelPolicy:
    """Which level each rule has in this run: ours or oasdiff's, then per-rule overrides (`--severity`),
    and the deprecation periods the lifecycle rules enforce."""

    base: str = OURS
    overrides: Mapping[str, str] = field(default_factory=dict)
    deprecation: Deprecation = field(default_factory=Deprecation)

    def level(self, rule: Rule) -> str:
        if rule.id in self.overrides:
            return self.overrides[rule.id]
        return rule.oasdiff_level if self.base == OASDIFF else rule.level


def check_overrides(overrides: Mapping[str, str], source: str) -> list[str]:
    """Problems with `RULE=LEVEL` overrides: unknown rules or levels, each with the fix."""
    problems = []
    for rule_id, level in overrides.items():
        if rule_id not in RULES:
            problems.append(f"{source}: unknown rule {rule_id!r} (see `python -m openapi rules`)")
        if level not in LEVELS:
            problems.append(f"{source}: {rule_id}: level must be one of {', '.join(LEVELS)}, not {level!r}")
    return problems
