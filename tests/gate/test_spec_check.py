"""A spec with defects: each fails its operation, the others are tested, Schemathesis' crash is one line.

And a document that cannot be tested at all is exit 2 with its reports, never a traceback.
"""

from __future__ import annotations

import json

import pytest

from contract_tests import GateOptions, run_gate
from contract_tests.cli import main
from contract_tests.spec_check import check_document, find_defects, unloadable
from tests.gate.half_broken_app import DANGLING_REF, EXAMPLES_NOT_AN_ARRAY, SPEC, fixed_spec

PHASES = ("examples", "coverage", "fuzzing")


def run(app: str, **options):
    return run_gate(
        GateOptions(
            app=f"tests.gate.half_broken_app:{app}",
            spec="/openapi.json",
            auth="none",
            profile="fast",
            phases=PHASES,
            workers=1,
            **options,
        )
    )


def test_the_check_names_each_defect_by_its_pointer_and_places_it_on_its_operation():
    by_operation = check_document(SPEC)
    assert [d.pointer for d in by_operation["GET /items"]] == [DANGLING_REF]
    assert [d.pointer for d in by_operation["POST /items"]] == [EXAMPLES_NOT_AN_ARRAY]
    assert "GET /ping" not in by_operation and "" not in by_operation
    examples = by_operation["POST /items"][0]
    assert "must be an array" in examples.problem and "examples: [VALUE]" in examples.fix
    assert "#/components/schemas/Kind" in by_operation["GET /items"][0].problem


def test_a_defect_in_a_component_is_placed_on_every_operation_that_references_it():
    spec = fixed_spec()
    spec["components"]["schemas"]["Kind"]["enum"] = "a"  # a string where an array is required
    by_operation = check_document(spec)
    assert list(by_operation) == ["GET /items"]
    assert by_operation["GET /items"][0].pointer == "/components/schemas/Kind/enum"


def test_the_fixed_spec_has_no_defect():
    assert find_defects(fixed_spec()) == []


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_relative_urls_are_no_defect_though_the_meta_schema_says_uri(version):
    """OpenAPI lets URL fields be relative (`tokenUrl: /token`, as APIFlask and FastAPI write it)."""
    spec = fixed_spec()
    spec["openapi"] = version
    flows = {"password": {"tokenUrl": "/token", "scopes": {}}}
    spec.setdefault("components", {})["securitySchemes"] = {"OAuth2": {"type": "oauth2", "flows": flows}}
    assert find_defects(spec) == []
    # A wrong type in the same object is still one.
    flows["password"]["tokenUrl"] = 42
    defects = find_defects(spec)
    assert defects and all(d.pointer.startswith("/components/securitySchemes/OAuth2") for d in defects)


def test_openapi_30_meta_schema_errors_are_pinned_to_the_object_at_fault():
    """A oneOf of "Reference or the object" is looked through: the object's own error is the news."""
    spec = fixed_spec()
    spec["paths"]["/ping"]["get"]["parameters"] = [{"name": "q", "in": "nowhere", "schema": {}}]
    spec["info"].pop("title")
    by_operation = check_document(spec)
    assert [d.pointer for d in by_operation["GET /ping"]] == ["/paths/~1ping/get/parameters/0"]
    assert [d.pointer for d in by_operation[""]] == ["/info"]
    assert "'title' is a required property" in by_operation[""][0].problem.replace('"', "'")


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ([1, 2], "a JSON or YAML object was expected"),
        ({"info": {}}, "no `openapi` field"),
        ({"openapi": "4.0.0", "paths": {}}, "not a version the gate tests"),
        (
            {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": []},
            "`paths` must be an object",
        ),
        ({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}, "no operation"),
    ],
)
def test_documents_that_cannot_be_tested_say_why(document, says):
    assert says in (unloadable(document) or "")


def test_each_defect_fails_its_operation_and_the_others_are_still_tested():
    report = run("create_app")
    spec_failures = {(f.operation, f.check) for f in report.failures}
    assert spec_failures == {("GET /items", "spec_validity"), ("POST /items", "spec_validity")}
    rendered = report.render()
    assert DANGLING_REF in rendered and EXAMPLES_NOT_AN_ARRAY in rendered
    cases = {row.operation: row.cases for row in report.coverage}
    assert cases["GET /ping"] > 0 and cases["GET /items"] > 0 and cases["POST /items"] > 0
    assert not report.ok
    # The same app with the spec fixed passes: the failures were the spec's, nothing else.
    fixed = run("create_fixed_app")
    assert fixed.ok, fixed.render()


def test_schemathesis_raising_on_a_defect_is_one_line_naming_operation_phase_and_exception():
    report = run("create_app")
    assert "Traceback" not in report.render()
    (error,) = report.errors
    assert error.startswith("POST /items: Schemathesis raised TypeError in the coverage phase")
    assert "spec_validity" in error
    assert "Traceback" in report.error_details[error]  # kept for the JSON summary


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("openapi: 3.0.3\ninfo: [\n", "neither JSON nor YAML"),
        ('{"foo": 1}', "no `openapi` field"),
        ('{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": []}', "`paths` must be"),
    ],
)
def test_a_document_that_cannot_be_loaded_is_exit_2_with_reports(tmp_path, capsys, text, says):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(text, encoding="utf-8")
    reports = tmp_path / "reports"
    code = main(
        [
            *("run", "--app", "tests.gate.half_broken_app:create_app", "--spec", str(spec)),
            *("--auth", "none", "--profile", "fast", "--reports", str(reports)),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert says in err and "Traceback" not in err
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    assert says in summary["errors"][0]
    assert (reports / "contract.xml").is_file()
