"""Building the published spec from the app, and `check`: drift, meta-schema validation, lint."""

from __future__ import annotations

import copy
import json
import tomllib

from openapi import build, check
from openapi.cli import main


def test_the_build_is_byte_for_byte_repeatable_and_ignores_the_environment(monkeypatch):
    first = build.render_json(build.build_spec())
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "12")
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "another")
    assert build.render_json(build.build_spec()) == first


def test_the_rendering_is_sorted_indented_and_ends_with_one_newline():
    spec = {"b": 1, "a": {"d": [3, 1], "c": "é"}}
    text = build.render_json(spec)
    assert text == '{\n  "a": {\n    "c": "é",\n    "d": [\n      3,\n      1\n    ]\n  },\n  "b": 1\n}\n'
    assert build.render_yaml(spec).endswith("b: 1\n")


def test_info_version_is_the_project_version():
    pyproject = tomllib.loads((build.SPEC_DIR.parent / "pyproject.toml").read_text())
    spec = json.loads(build.JSON_PATH.read_text())
    assert spec["info"]["version"] == pyproject["project"]["version"] == build.project_version()


def test_the_published_files_match_the_code():
    diffs = check.drift(build.build_spec())
    assert not diffs, "the published spec is stale: run `make spec`\n" + "".join(diffs[:1])


def test_write_spec_rewrites_only_what_changed(tmp_path):
    spec = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    json_path, yaml_path = tmp_path / "openapi.json", tmp_path / "openapi.yaml"
    assert build.write_spec(spec, json_path, yaml_path) == [json_path, yaml_path]
    assert build.write_spec(spec, json_path, yaml_path) == []
    assert json.loads(json_path.read_text()) == spec


def test_a_changed_bound_is_drift_with_a_readable_diff_and_the_fix(tmp_path):
    spec = build.build_spec()
    json_path, yaml_path = tmp_path / "openapi.json", tmp_path / "openapi.yaml"
    build.write_spec(spec, json_path, yaml_path)
    changed = copy.deepcopy(spec)
    changed["components"]["schemas"]["TodoCreate"]["properties"]["title"]["maxLength"] = 150
    diffs = check.drift(changed, json_path, yaml_path)
    assert len(diffs) == 2
    assert '-            "maxLength": 200,\n+            "maxLength": 150,' in diffs[0]
    result = check.CheckResult(drift=diffs, version="3.1.0", operations=11)
    text = check.report(result, json_path)
    assert "run `make spec` and commit" in text
    assert text.endswith("spec check FAILED")


def test_a_missing_published_file_is_drift(tmp_path):
    diffs = check.drift({"openapi": "3.1.0"}, tmp_path / "openapi.json", tmp_path / "openapi.yaml")
    assert "openapi.json (missing)" in diffs[0]


def test_meta_schema_errors_are_reported_with_their_location():
    doc = {"openapi": "3.1.0", "info": {"title": "t"}, "paths": {"/x": {"get": {"responses": {"200": {}}}}}}
    errors = check.validate(doc)
    assert any("version" in e for e in errors)
    assert any(e.startswith("/paths/") for e in errors)
    doc["info"]["version"] = "1"
    doc["paths"]["/x"]["get"]["responses"]["200"]["description"] = "ok"
    assert check.validate(doc) == []


def test_a_dangling_ref_is_named_without_the_whole_document():
    """`referencing` puts the document it searched into its message: a big spec made a line of 40 kB."""
    doc = copy.deepcopy(build.build_spec())
    operation = doc["paths"]["/api/todos"]["get"]
    operation["parameters"][0]["schema"] = {"$ref": "#/components/schemas/Nowhere.Status"}
    [error] = check.validate(doc)
    assert error.startswith(
        "(document): validation stopped: PointerToNowhere: '/components/schemas/Nowhere.Status'"
    )
    assert error.endswith("does not exist in the document") and len(error) < 300


def test_check_passes_on_this_repository(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "valid OpenAPI 3.1.0" in out
    assert out.strip().endswith("spec check passed")


def test_check_fails_when_the_code_no_longer_matches(monkeypatch, capsys):
    spec = build.build_spec()
    spec["components"]["schemas"]["Todo"]["properties"]["title"]["maxLength"] = 150
    monkeypatch.setattr(build, "build_spec", lambda factory=None: spec)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "+++ openapi.json (generated from the code)" in out
    assert "make spec" in out
    assert out.strip().endswith("spec check FAILED")


def test_check_fails_on_lint_findings(monkeypatch, capsys):
    spec = build.build_spec()
    del spec["paths"]["/api/todos"]["get"]["summary"]
    monkeypatch.setattr(build, "build_spec", lambda factory=None: spec)
    assert main(["check"]) == 1
    assert "operation-summary: GET /api/todos" in capsys.readouterr().out


def test_build_and_check_work_on_another_flask_smorest_app(tmp_path, capsys):
    args = ["--app", "tests.openapi.other_app:create_app", "--out", str(tmp_path)]
    assert main(["build", *args]) == 0
    spec = json.loads((tmp_path / "openapi.json").read_text())
    assert spec["info"] == {"title": "Notes", "version": "3.2.1"}
    assert list(spec["paths"]) == ["/notes/"]
    capsys.readouterr()
    assert main(["check", *args]) == 1  # drift-free and valid, but the lint rules want more of it
    out = capsys.readouterr().out
    assert "ok    published files match the code" in out
    assert "ok    valid OpenAPI 3.0.3" in out
    assert "operation-id-unique: GET /notes/" in out


def test_the_yaml_file_is_the_same_document_as_the_json_file():
    import yaml

    assert yaml.safe_load(build.YAML_PATH.read_text()) == json.loads(build.JSON_PATH.read_text())
