"""`check`: the published files match the code, the document is valid OpenAPI, and it is lint-clean."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from openapi import build, lint
from openapi import document as d

FIX_COMMAND = "make spec"


@dataclass(slots=True)
class CheckResult:
    drift: list[str] = field(default_factory=list)  # unified diffs, one per file that differs
    invalid: list[str] = field(default_factory=list)
    findings: list[lint.Finding] = field(default_factory=list)
    version: str = ""
    operations: int = 0

    @property
    def ok(self) -> bool:
        return not (self.drift or self.invalid or self.findings)


def drift(
    spec: dict[str, Any], json_path: Path = build.JSON_PATH, yaml_path: Path = build.YAML_PATH
) -> list[str]:
    """A unified diff (committed -> generated) for each published file that is not what the code gives."""
    diffs = []
    for path, expected in build.published_files(spec, json_path, yaml_path):
        actual = path.read_text(encoding="utf-8") if path.is_file() else ""
        if actual != expected:
            name = path.name
            lines = difflib.unified_diff(
                actual.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                fromfile=f"{name} (committed)" if path.is_file() else f"{name} (missing)",
                tofile=f"{name} (generated from the code)",
            )
            diffs.append("".join(lines))
    return diffs


def validate(doc: dict[str, Any], base_uri: str = "") -> list[str]:
    """Errors against the OpenAPI meta-schema of the document's own version (3.0 or 3.1).

    `base_uri` (the file's URI) lets references to neighbouring files resolve.
    """
    validator_class = OpenAPIV31SpecValidator if d.is_31(doc) else OpenAPIV30SpecValidator
    errors = []
    try:
        for error in validator_class(doc, base_uri=base_uri).iter_errors():
            where = "/".join(str(p) for p in getattr(error, "absolute_path", ()) or ())
            errors.append(f"{('/' + where) if where else '(document)'}: {error.message}")
    except Exception as exc:  # an unresolvable `$ref` stops the validator; say so instead of crashing
        errors.append(f"(document): validation stopped: {type(exc).__name__}: {_short(exc)}")
    return errors


def _short(exc: Exception) -> str:
    """The error without the document: `referencing` appends the whole spec to a dangling `$ref`."""
    text = str(exc).split(" does not exist within ", 1)[0]
    if text != str(exc):
        text += " does not exist in the document"
    return text if len(text) <= 300 else text[:300] + "..."


def check(
    json_path: Path = build.JSON_PATH,
    yaml_path: Path = build.YAML_PATH,
    factory: Callable[..., Any] | None = None,
) -> CheckResult:
    """Build from the code, compare with the published files, then validate and lint what the code gives."""
    spec = build.build_spec(factory)
    result = CheckResult(version=str(spec.get("openapi", "")), operations=len(list(d.operations(spec))))
    result.drift = drift(spec, json_path, yaml_path)
    result.invalid = validate(spec)
    result.findings = lint.lint(spec)
    return result


def report(result: CheckResult, json_path: Path = build.JSON_PATH) -> str:
    """The readable summary `check` prints: what failed, where, and the command that fixes it."""
    out = []
    if result.drift:
        # The JSON diff says it all; the YAML file is the same document, so only its name is worth repeating.
        out.append(result.drift[0].rstrip("\n"))
        out += [
            f"(and {diff.splitlines()[0][4:].split(' (')[0]} differs the same way)"
            for diff in result.drift[1:]
        ]
        out.append("")
    if result.invalid:
        out.append("OpenAPI meta-schema errors:")
        out += [f"  {error}" for error in result.invalid]
        out.append("")
    if result.findings:
        out.append(lint.format_findings(result.findings))
        out.append("")
    drift_line = (
        f"FAIL  {len(result.drift)} published file(s) differ from the code; run `{FIX_COMMAND}` and commit"
        if result.drift
        else "ok    published files match the code"
    )
    valid_line = (
        f"FAIL  {len(result.invalid)} error(s) against the OpenAPI {result.version} meta-schema"
        if result.invalid
        else f"ok    valid OpenAPI {result.version}"
    )
    lint_line = (
        f"FAIL  {len(result.findings)} lint finding(s); fix the schemas in the code, then `{FIX_COMMAND}`"
        if result.findings
        else f"ok    {len(lint.RULES)} lint rules pass"
    )
    out.append(f"spec check of {json_path.name} ({result.operations} operations)")
    out += [f"  drift     {drift_line}", f"  validate  {valid_line}", f"  lint      {lint_line}"]
    out.append("spec check passed" if result.ok else "spec check FAILED")
    return "\n".join(out)
