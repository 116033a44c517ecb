"""Each lint rule: the clean spec passes it, and a change that breaks it is reported with its pointer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from openapi import build, lint
from openapi.cli import main
from tests.openapi.specs import clean_spec, error, json_body, ref

PETS = "/paths/~1pets"
PET = "/paths/~1pets~1{pet_id}"


def _duplicate_operation_id(spec: dict[str, Any]) -> None:
    spec["paths"]["/pets/{pet_id}"]["get"]["operationId"] = "listPets"


def _missing_operation_id(spec: dict[str, Any]) -> None:
    del spec["paths"]["/health"]["get"]["operationId"]


def _inline_body(spec: dict[str, Any]) -> None:
    spec["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": {"name": {"type": "boolean"}},
    }


def _inline_error(spec: dict[str, Any]) -> None:
    spec["paths"]["/pets/{pet_id}"]["get"]["responses"]["404"] = json_body(
        {"type": "string", "maxLength": 10}, "No such pet"
    )


def _numbered(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["Pet1"] = {"type": "object", "properties": {"ok": {"type": "boolean"}}}


def _nullable_without_type(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["Pet"]["properties"]["kind"] = {"allOf": [ref("Kind")], "nullable": True}


def _inline_enum(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["PetCreate"]["properties"]["kind"] = {
        "type": "string",
        "enum": ["cat", "dog"],
    }


# rule id -> (OpenAPI version, change that breaks it, JSON pointer of the finding)
BREAKERS: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "operation-id-unique": ("3.1.0", _duplicate_operation_id, f"{PET}/get/operationId"),
    "operation-id-identifier": (
        "3.1.0",
        lambda s: s["paths"]["/health"]["get"].update(operationId="get-health"),
        "/paths/~1health/get/operationId",
    ),
    "operation-summary": ("3.1.0", lambda s: s["paths"]["/pets"]["get"].pop("summary"), f"{PETS}/get"),
    "operation-tags": ("3.1.0", lambda s: s["paths"]["/pets"]["post"].update(tags=[]), f"{PETS}/post"),
    "body-schema-named": ("3.1.0", _inline_body, f"{PETS}/post/requestBody/content/application~1json/schema"),
    "secured-operation-401": (
        "3.1.0",
        lambda s: s["paths"]["/pets/{pet_id}"]["delete"]["responses"].pop("401"),
        f"{PET}/delete/responses",
    ),
    "path-parameter-404": (
        "3.1.0",
        lambda s: s["paths"]["/pets/{pet_id}"]["get"]["responses"].pop("404"),
        f"{PET}/get/responses",
    ),
    "input-validation-status": (
        "3.1.0",
        lambda s: s["paths"]["/pets"]["get"]["responses"].pop("422"),
        f"{PETS}/get/responses",
    ),
    "error-response-envelope": (
        "3.1.0",
        _inline_error,
        f"{PET}/get/responses/404/content/application~1json/schema",
    ),
    "request-value-bounds": (
        "3.1.0",
        lambda s: s["components"]["schemas"]["PetCreate"]["properties"]["name"].pop("maxLength"),
        "/components/schemas/PetCreate/properties/name",
    ),
    "example-valid": (
        "3.1.0",
        lambda s: s["components"]["schemas"]["Pet"]["properties"]["name"].update(example=7),
        "/components/schemas/Pet/properties/name/example",
    ),
    "created-location-header": (
        "3.1.0",
        lambda s: s["paths"]["/pets"]["post"]["responses"]["201"].pop("headers"),
        f"{PETS}/post/responses/201",
    ),
    "component-name-not-numbered": ("3.1.0", _numbered, "/components/schemas/Pet1"),
    "nullable-has-type": (
        "3.0.3",
        _nullable_without_type,
        "/components/schemas/Pet/properties/kind/nullable",
    ),
    "nullable-not-in-3-1": (
        "3.1.0",
        lambda s: s["components"]["schemas"]["Pet"]["properties"]["name"].update(nullable=True),
        "/components/schemas/Pet/properties/name/nullable",
    ),
    "enum-named": ("3.1.0", _inline_enum, "/components/schemas/PetCreate/properties/kind/enum"),
}


@pytest.mark.parametrize("openapi", ["3.0.3", "3.1.0"])
def test_the_clean_spec_passes_every_rule(openapi):
    assert lint.lint(clean_spec(openapi)) == []


def test_every_rule_has_a_breaking_spec():
    assert set(BREAKERS) == set(lint.RULE_IDS)


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_a_spec_that_breaks_the_rule_is_reported_there(rule_id):
    openapi, breaker, pointer = BREAKERS[rule_id]
    spec = clean_spec(openapi)
    breaker(spec)
    findings = lint.lint(spec)
    assert {f.rule for f in findings} == {rule_id}
    assert pointer in {f.pointer for f in findings}
    assert all(f.message.strip() for f in findings)


def test_a_missing_operation_id_is_reported():
    spec = clean_spec()
    _missing_operation_id(spec)
    assert [(f.rule, f.operation) for f in lint.lint(spec)] == [("operation-id-unique", "GET /health")]


def test_a_bound_behind_a_ref_is_reported_once_at_the_component():
    spec = clean_spec()
    spec["components"]["schemas"]["Name"] = {"type": "string"}
    for schema in ("Pet", "PetCreate"):
        spec["components"]["schemas"][schema]["properties"]["name"] = ref("Name")
    findings = lint.lint(spec)
    assert [(f.rule, f.pointer) for f in findings] == [("request-value-bounds", "/components/schemas/Name")]


def test_read_only_properties_are_not_request_values():
    spec = clean_spec()
    spec["components"]["schemas"]["PetCreate"]["properties"]["id"] = {"type": "integer", "readOnly": True}
    assert lint.lint(spec) == []


def test_an_error_response_without_a_body_is_reported():
    spec = clean_spec()
    spec["paths"]["/pets/{pet_id}"]["delete"]["responses"]["404"] = {"description": "No such pet"}
    findings = lint.lint(spec)
    assert [(f.rule, f.pointer) for f in findings] == [
        ("error-response-envelope", f"{PET}/delete/responses/404")
    ]


def test_400_is_fine_when_the_whole_spec_uses_it():
    spec = clean_spec()
    for method in ("get", "post"):
        responses = spec["paths"]["/pets"][method]["responses"]
        responses["400"] = responses.pop("422")
    assert lint.lint(spec) == []


def test_a_spec_with_no_components_no_security_and_no_paths_is_linted():
    spec = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    assert lint.lint(spec) == []
    spec["paths"] = {
        "/x": {
            "get": {"responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {}}}}}}
        }
    }
    assert {f.rule for f in lint.lint(spec)} == {"operation-id-unique", "operation-summary", "operation-tags"}


def test_examples_beside_a_schema_are_validated():
    spec = clean_spec()
    param = spec["paths"]["/pets"]["get"]["parameters"][0]
    param["examples"] = {"good": {"value": 10}, "bad": {"value": 1000}}
    findings = lint.lint(spec)
    assert [(f.rule, f.pointer) for f in findings] == [
        ("example-valid", f"{PETS}/get/parameters/0/examples/bad/value")
    ]


def test_the_published_spec_is_lint_clean():
    assert lint.format_findings(lint.lint(json.loads(build.JSON_PATH.read_text()))) == ""


def test_lint_cli_reads_any_spec_file(tmp_path, capsys):
    spec = clean_spec("3.0.3")
    spec["paths"]["/pets"]["get"].pop("summary")
    spec["paths"]["/pets"]["get"]["responses"]["503"] = error("Down")
    path = tmp_path / "other.yaml"
    import yaml

    path.write_text(yaml.safe_dump(spec))
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert "operation-summary: GET /pets #/paths/~1pets/get" in out
    assert "1 lint finding(s), 0 meta-schema error(s)" in out
    assert main(["lint", str(path), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in payload["findings"]] == ["operation-summary"]


def test_lint_cli_refuses_swagger_2(tmp_path, capsys):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"swagger": "2.0", "info": {}, "paths": {}}))
    assert main(["lint", str(path)]) == 2
    assert "only OpenAPI 3.0 and 3.1" in capsys.readouterr().err
