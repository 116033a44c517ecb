"""The diff rule set: every kind of change `diff` reports, with a stable id and a level for existing clients.

Anchored on oasdiff's checks. A schema check applies wherever a schema sits; its level depends on who sends
the value: a stricter request breaks clients that send what used to be fine, a looser response breaks
clients that rely on what used to be guaranteed.
"""

from __future__ import annotations

from dataclasses import dataclass

BREAKING, WARNING, INFO = "breaking", "warning", "info"
LEVELS = (BREAKING, WARNING, INFO)
REQUEST_SUBJECTS = ("request-body", "request-parameter", "request-property")
RESPONSE_SUBJECTS = ("response-body", "response-header", "response-property")


@dataclass(frozen=True, slots=True)
class DiffRule:
    id: str
    level: str
    summary: str


# (id, level, summary) of the rules about operations, parameters, bodies, responses and components.
FIXED_RULES = (
    ("api-path-removed", BREAKING, "a path and its operations were removed"),
    ("api-operation-removed", BREAKING, "an operation was removed (the path remains)"),
    ("api-path-added", INFO, "a new path"),
    ("api-operation-added", INFO, "a new operation on an existing path"),
    (
        "api-operation-id-removed",
        BREAKING,
        "an operationId was removed (generated functions are named after it)",
    ),
    ("api-operation-id-changed", BREAKING, "an operationId changed (generated functions are named after it)"),
    ("api-operation-id-added", INFO, "an operation got an operationId"),
    ("api-deprecated", INFO, "an operation was marked deprecated"),
    ("api-security-added", BREAKING, "a public operation now requires authentication"),
    ("api-security-changed", BREAKING, "a security requirement a client may use was removed or replaced"),
    ("api-security-alternative-added", INFO, "another way to authenticate was added"),
    ("api-security-removed", INFO, "an operation no longer requires authentication"),
    (
        "security-scheme-changed",
        BREAKING,
        "a security scheme sends credentials differently (type, scheme, in, name)",
    ),
    (
        "api-schema-removed",
        BREAKING,
        "a component schema was removed or renamed (generated types are named after it)",
    ),
    ("api-schema-added", INFO, "a new component schema"),
    ("new-required-request-parameter", BREAKING, "a new required parameter (query, header, path or cookie)"),
    ("new-optional-request-parameter", INFO, "a new optional parameter"),
    (
        "request-parameter-removed",
        WARNING,
        "a parameter was removed (clients still send it; it is ignored or refused)",
    ),
    ("request-parameter-became-required", BREAKING, "an optional parameter became required"),
    ("request-parameter-became-optional", INFO, "a required parameter became optional"),
    ("request-path-parameter-renamed", INFO, "a path parameter was renamed (the URL is unchanged)"),
    ("new-required-request-body", BREAKING, "an operation now requires a request body"),
    ("new-optional-request-body", INFO, "an operation now accepts an optional request body"),
    ("request-body-removed", WARNING, "the request body was removed (clients still send one)"),
    ("request-body-became-required", BREAKING, "the request body became required"),
    ("request-body-became-optional", INFO, "the request body became optional"),
    ("request-body-media-type-removed", BREAKING, "a request media type is no longer accepted"),
    ("request-body-media-type-added", INFO, "a request media type was added"),
    ("new-required-request-property", BREAKING, "a new required request property"),
    ("new-optional-request-property", INFO, "a new optional request property"),
    ("request-property-removed", WARNING, "a request property was removed; the object still allows others"),
    (
        "request-property-removed-rejected",
        BREAKING,
        "a request property was removed from a closed object "
        "(`additionalProperties: false`): clients that send it are refused",
    ),
    ("request-property-became-required", BREAKING, "an optional request property became required"),
    ("request-property-became-optional", INFO, "a required request property became optional"),
    ("response-success-status-removed", BREAKING, "a 2xx/3xx response status was removed"),
    ("response-non-success-status-removed", WARNING, "an error response status was removed"),
    ("response-status-added", INFO, "a response status was added"),
    ("response-media-type-removed", BREAKING, "a response media type was removed"),
    ("response-media-type-added", INFO, "a response media type was added"),
    ("response-property-removed", BREAKING, "a required (always present) response property was removed"),
    ("response-optional-property-removed", WARNING, "an optional response property was removed"),
    ("response-property-added", INFO, "a new response property"),
    ("response-property-became-optional", BREAKING, "a required response property became optional"),
    ("response-property-became-required", INFO, "an optional response property became required"),
    ("response-header-removed", BREAKING, "a required response header was removed"),
    ("response-optional-header-removed", WARNING, "an optional response header was removed"),
    ("response-header-added", INFO, "a response header was added"),
    ("response-header-became-optional", BREAKING, "a required response header became optional"),
)

# check -> (level in a request, level in a response, summary); None: the check does not apply there.
SCHEMA_CHECKS: dict[str, tuple[str | None, str | None, str]] = {
    "type-changed": (BREAKING, BREAKING, "the type changed incompatibly"),
    "type-generalized": (INFO, None, "the type accepts more (e.g. integer to number)"),
    "type-narrowed": (None, INFO, "the type returns less (e.g. number to integer)"),
    "format-changed": (BREAKING, BREAKING, "the format changed"),
    "format-added": (BREAKING, INFO, "a format was added"),
    "format-removed": (INFO, WARNING, "the format was removed"),
    "became-nullable": (INFO, BREAKING, "null is now allowed"),
    "became-not-nullable": (BREAKING, INFO, "null is no longer allowed"),
    "enum-value-added": (INFO, BREAKING, "an enum value was added"),
    "enum-value-removed": (BREAKING, INFO, "an enum value was removed"),
    "enum-set": (BREAKING, INFO, "a free value is now restricted to an enum"),
    "enum-unset": (INFO, WARNING, "the enum was removed: any value is allowed"),
    "pattern-added": (BREAKING, INFO, "a pattern was added"),
    "pattern-changed": (BREAKING, WARNING, "the pattern changed"),
    "pattern-removed": (INFO, WARNING, "the pattern was removed"),
    "unique-items-set": (BREAKING, INFO, "array items must now be unique"),
    "unique-items-unset": (INFO, WARNING, "array items no longer need to be unique"),
    "union-branch-added": (INFO, BREAKING, "an anyOf/oneOf branch was added"),
    "union-branch-removed": (BREAKING, INFO, "an anyOf/oneOf branch was removed"),
    "default-changed": (
        WARNING,
        None,
        "the default value changed (clients omitting it get another behaviour)",
    ),
}

# JSON Schema bound -> the word in rule ids. A lower upper bound or a higher lower bound is stricter.
UPPER_BOUNDS = {
    "maxLength": "max-length",
    "maxItems": "max-items",
    "maxProperties": "max-properties",
    "maximum": "max",
    "exclusiveMaximum": "exclusive-max",
}
LOWER_BOUNDS = {
    "minLength": "min-length",
    "minItems": "min-items",
    "minProperties": "min-properties",
    "minimum": "min",
    "exclusiveMinimum": "exclusive-min",
}


def bound_check(keyword: str, old: float | None, new: float | None) -> tuple[str, bool] | None:
    """(check name, stricter?) for a bound that changed, e.g. ("max-length-decreased", True)."""
    if old == new:
        return None
    upper = keyword in UPPER_BOUNDS
    word = UPPER_BOUNDS[keyword] if upper else LOWER_BOUNDS[keyword]
    if old is None:
        return f"{word}-set", True
    if new is None:
        return f"{word}-unset", False
    stricter = new < old if upper else new > old
    return f"{word}-{'decreased' if new < old else 'increased'}", stricter


def _bound_checks() -> dict[str, tuple[str | None, str | None, str]]:
    """Four checks per bound: stricter (`-decreased`/`-increased`, `-set`) and looser, and their levels."""
    checks = {}
    for keyword in (*UPPER_BOUNDS, *LOWER_BOUNDS):
        for old, new in ((None, 1), (1, None), (2, 1), (1, 2)):
            name, stricter = bound_check(keyword, old, new) or ("", False)
            if stricter:
                checks[name] = (BREAKING, INFO, f"`{keyword}` made stricter")
            else:
                checks[name] = (INFO, WARNING, f"`{keyword}` relaxed")
    return checks


SCHEMA_CHECKS.update(_bound_checks())


def _catalogue() -> dict[str, DiffRule]:
    rules = {rule_id: DiffRule(rule_id, level, summary) for rule_id, level, summary in FIXED_RULES}
    for check, (request_level, response_level, summary) in SCHEMA_CHECKS.items():
        for subjects, level in ((REQUEST_SUBJECTS, request_level), (RESPONSE_SUBJECTS, response_level)):
            if level is None:
                continue
            for subject in subjects:
                rule_id = f"{subject}-{check}"
                rules[rule_id] = DiffRule(rule_id, level, f"{subject.replace('-', ' ')}: {summary}")
    return rules


RULES: dict[str, DiffRule] = _catalogue()


def schema_rule(subject: str, check: str) -> DiffRule:
    """The rule for a schema check at a subject, e.g. ("response-property", "enum-value-added")."""
    return RULES[f"{subject}-{check}"]
