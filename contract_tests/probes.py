"""Boundary probes: the values Schemathesis never derives for an unbounded field, sent whatever the seed.

Schemathesis' coverage phase takes its boundaries from the bounds a schema documents, so an integer
without `maximum` never meets an int64 overflow and a string without `maxLength` never gets long;
random generation finds them only by luck. Each probe here is one request built from a valid base case
(drawn deterministically) with one value replaced, sent through the same transport and auth as every
other case, and judged by the same response checks: a documented 5xx-free contract must hold for it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from schemathesis.auths import AuthContext, set_on_case
from schemathesis.checks import CHECKS
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure as CheckFailure
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.adapter.security import ORIGINAL_SECURITY_TYPE_KEY

from contract_tests.transport import RAISED

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
UINT64_MAX = 2**64 - 1
# Past every fixed-width integer and past a double's range (float() of it overflows).
HUGE = 10**400
# Values above any documented-less upper bound, and below any missing lower bound.
HIGH_INTEGERS = {
    "int64 max - 1": INT64_MAX - 1,
    "int64 max": INT64_MAX,
    "int64 max + 1": INT64_MAX + 1,
    "uint64 max": UINT64_MAX,
    "2**64": 2**64,
    "10**400": HUGE,
}
LOW_INTEGERS = {
    "int64 min + 1": INT64_MIN + 1,
    "int64 min": INT64_MIN,
    "int64 min - 1": INT64_MIN - 1,
    "-10**400": -HUGE,
}
# A very long body string, cut to what the app accepts in one request when it says (Flask's limit).
LONG_BODY_STRING = 1024 * 1024
# Path, query and header values go in the request line or head, which servers cap at a few KB.
LONG_PARAMETER_STRING = 2000
NESTING_DEPTH = 10_000
# A body this size when the app states no request-size limit; one byte over the limit when it does.
LARGE_BODY_BYTES = 4 * 1024 * 1024
# The checks every probe's response must pass: what a response promises, whatever the request was.
PROBE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
PHASE = "probes"


@dataclass(frozen=True, slots=True)
class Probe:
    """One boundary value at one place of one operation's request."""

    operation: str
    location: str  # path, query, header, cookie, body
    name: str  # the parameter, or the body property's JSON pointer ("" for the whole body)
    kind: str  # e.g. "int64 max + 1", "1048576-character string", "10000-deep nesting"
    value: Any

    def describe(self) -> str:
        where = f"{self.location} {self.name}".rstrip()
        return f"boundary probe: {self.kind} in {where}"


@dataclass(slots=True)
class ProbeResult:
    """What one probe got back: the response (None when the app raised) and the checks that failed."""

    probe: Probe
    case: Any
    status: int | None
    excerpt: str
    failures: list[tuple[str, CheckFailure]]
    error: BaseException | None = None


def integer_probes(schema: dict[str, Any]) -> dict[str, int]:
    """The overflow values for an integer schema, on each side that documents no bound."""
    if "enum" in schema or "const" in schema:
        return {}
    values: dict[str, int] = {}
    if "maximum" not in schema and "exclusiveMaximum" not in schema:
        values.update(HIGH_INTEGERS)
    if "minimum" not in schema and "exclusiveMinimum" not in schema:
        values.update(LOW_INTEGERS)
    return values


def is_unbounded_string(schema: dict[str, Any]) -> bool:
    """A free string: no maxLength, and no pattern, enum or format that a long value could not meet."""
    keys = ("maxLength", "pattern", "enum", "const", "format")
    return _types(schema) == {"string"} and not any(key in schema for key in keys)


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    return types - {"null"}


def resolve(schema: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """Follow local `$ref`s (and merge `allOf` objects) so the walk sees properties and types."""
    if not isinstance(schema, dict) or depth > 32:
        return schema
    if "$ref" in schema and isinstance(schema["$ref"], str) and schema["$ref"].startswith("#/"):
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        return resolve({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, root, depth + 1)
    if "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = resolve(part, root, depth + 1)
            merged.setdefault("properties", {}).update(part.get("properties", {}))
            for key, value in part.items():
                if key != "properties":
                    merged.setdefault(key, value)
        return merged
    return schema


def _value_probes(schema: dict[str, Any], long_string: int) -> Iterator[tuple[str, Any]]:
    types = _types(schema)
    if types == {"integer"}:
        yield from integer_probes(schema).items()
    elif is_unbounded_string(schema):
        yield f"{long_string}-character string", "x" * long_string


def _body_properties(
    schema: Any, root: dict[str, Any], pointer: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each property of an object body, nested objects included, with its JSON pointer."""
    schema = resolve(schema, root)
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        sub = resolve(sub, root)
        if not isinstance(sub, dict) or sub.get("readOnly"):
            continue
        path = f"{pointer}/{name}"
        yield path, sub
        if _types(sub) == {"object"} and len(pointer.split("/")) < 4:
            yield from _body_properties(sub, root, path)


def plan_probes(operation: Any, body_limit: int | None) -> list[Probe]:
    """Every probe for one operation: its unbounded parameters, body properties and the body itself."""
    label = operation.label
    probes: list[Probe] = []
    for parameter in operation.iter_parameters():
        if ORIGINAL_SECURITY_TYPE_KEY in parameter.definition:
            continue  # credentials: a probe there tests the auth, not the field
        location = parameter.location.value
        for kind, value in _value_probes(parameter.optimized_schema, LONG_PARAMETER_STRING):
            probes.append(Probe(label, location, parameter.name, kind, value))
    bodies = [body for body in operation.body if "json" in body.media_type]
    if not bodies:
        return probes
    schema = bodies[0].optimized_schema
    long_string = LONG_BODY_STRING if body_limit is None else max(min(LONG_BODY_STRING, body_limit - 1024), 1)
    for pointer, sub in _body_properties(schema, schema):
        for kind, value in _value_probes(sub, long_string):
            probes.append(Probe(label, "body", pointer, kind, value))
    nested = b"[" * NESTING_DEPTH + b"]" * NESTING_DEPTH
    probes.append(Probe(label, "body", "", f"{NESTING_DEPTH}-deep nested arrays", nested))
    size = LARGE_BODY_BYTES if body_limit is None else body_limit + 1
    large = b'{"probe": "' + b"x" * max(size - 13, 0) + b'"}'
    probes.append(Probe(label, "body", "", f"{len(large)}-byte JSON body", large))
    return probes


def base_case(operation: Any) -> Any:
    """A valid case for the operation, the same one every run: Hypothesis, derandomized and shrunk."""
    strategy = operation.as_strategy()
    return find(
        strategy,
        lambda _: True,
        settings=settings(
            database=None,
            derandomize=True,
            max_examples=20,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            deadline=None,
        ),
    )


def probe_case(operation: Any, base: Any, probe: Probe) -> Any:
    """The base case with the probe's value in place; authenticated like every other case."""
    parts = {
        "path": dict(base.path_parameters or {}),
        "query": dict(base.query or {}),
        "header": dict(base.headers or {}),
        "cookie": dict(base.cookies or {}),
    }
    body = base.body if base.body is NOT_SET else copy.deepcopy(base.body)
    if probe.location == "body":
        if probe.name == "":
            body = probe.value
        else:
            body = _set_pointer(body if isinstance(body, dict) else {}, probe.name, probe.value)
    else:
        value = probe.value
        parts[probe.location][probe.name] = value if probe.location != "header" else str(value)
    case = operation.Case(
        path_parameters=parts["path"],
        query=parts["query"],
        headers=parts["header"],
        cookies=parts["cookie"],
        body=body,
        media_type=base.media_type,
    )
    set_on_case(case, AuthContext(operation=operation, app=operation.app), None)
    return case


def _set_pointer(document: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    target = document
    parts = pointer.lstrip("/").split("/")
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    target[parts[-1]] = value
    return document


def run_probe(operation: Any, base: Any, probe: Probe, excerpt: Callable[[Any], str]) -> ProbeResult:
    """Send one probe and run the response checks on its answer, each check on its own."""
    case = probe_case(operation, base, probe)
    response = case.call()
    error = RAISED.by_case.get(case.id)  # an exception escaped the app: the 500 is the transport's
    if error is not None:
        return ProbeResult(probe, case, None, excerpt(response), [], error=error)
    return ProbeResult(probe, case, response.status_code, excerpt(response), check_response(case, response))


def check_response(case: Any, response: Any) -> list[tuple[str, CheckFailure]]:
    """The response checks on one answer, each run on its own so every failure keeps its check's name."""
    failures: list[tuple[str, CheckFailure]] = []
    for check in CHECKS.get_by_names(list(PROBE_CHECKS)):
        try:
            case.validate_response(response, checks=[check])
        except FailureGroup as group:
            failures += [(check.__name__, failure) for failure in group.exceptions]
        except CheckFailure as failure:
            failures.append((check.__name__, failure))
    return failures


def run_probes(
    schema: Any, body_limit: int | None, excerpt: Callable[[Any], str]
) -> Iterator[ProbeResult | str]:
    """Every probe of every selected operation; a string says which operation could not be probed, and why."""
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation is None:
            continue
        probes = plan_probes(operation, body_limit)
        if not probes:
            continue
        try:
            base = base_case(operation)
        except Exception as exc:
            yield f"probes of {operation.label}: no valid base request could be generated ({exc!r})"
            continue
        for probe in probes:
            yield run_probe(operation, base, probe, excerpt)


def body_limit_of(app: Any) -> int | None:
    """The request-size limit an in-process Flask app states (MAX_CONTENT_LENGTH), if any."""
    config = getattr(app, "config", None)
    limit = config.get("MAX_CONTENT_LENGTH") if isinstance(config, dict) else None
    return limit if isinstance(limit, int) and limit > 0 else None


def probe_summary(probe: Probe) -> str:
    """The probe as the report shows it: what was sent, without a megabyte of it."""
    value = probe.value
    if isinstance(value, bytes | str) and len(value) > 40:
        shown = f"{len(value)} bytes" if isinstance(value, bytes) else f"{len(value)} characters"
    else:
        shown = json.dumps(value) if not isinstance(value, bytes) else value.decode("utf-8", "replace")
        if len(shown) > 40:
            shown = shown[:20] + f"... ({len(shown)} digits)"
    return f"{probe.describe()} (value: {shown})"
