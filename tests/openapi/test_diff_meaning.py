"""Schemas compared by meaning: a refactor that accepts and returns the same values is no change."""

from __future__ import annotations

import json

from openapi import diff
from openapi.cli import main
from openapi.diff import rules
from tests.openapi.specs import clean_spec


def _pet(spec):
    return spec["components"]["schemas"]["Pet"]


def test_nullable_written_the_3_0_way_or_the_3_1_way_is_the_same():
    base, head = clean_spec(), clean_spec()
    _pet(head)["properties"]["age"] = {"type": "integer", "nullable": True, "minimum": 0, "maximum": 100}
    assert diff.compare(base, head).changes == []


def test_properties_moved_into_an_all_of_base_schema_are_no_change():
    base, head = clean_spec(), clean_spec()
    pet = _pet(head)
    head["components"]["schemas"]["Named"] = {
        "type": "object",
        "properties": {"name": pet["properties"].pop("name")},
        "required": ["name"],
    }
    pet["required"].remove("name")
    head["components"]["schemas"]["Pet"] = {"allOf": [{"$ref": "#/components/schemas/Named"}, pet]}
    assert [c.rule for c in diff.compare(base, head).changes] == ["api-schema-added"]


def test_const_is_a_one_value_enum_and_type_order_does_not_matter():
    base, head = clean_spec(), clean_spec()
    _pet(base)["properties"]["age"]["type"] = ["integer", "null"]
    _pet(head)["properties"]["age"]["type"] = ["null", "integer"]
    base["components"]["schemas"]["Kind"] = {"type": "string", "enum": ["cat"]}
    head["components"]["schemas"]["Kind"] = {"const": "cat", "type": ["string"]}
    assert diff.compare(base, head).changes == []


def test_oasdiff_levels_and_severity_overrides_change_the_level():
    base, head = clean_spec(), clean_spec()
    del head["components"]["schemas"]["Pet"]["properties"]["age"]
    del head["components"]["schemas"]["PetCreate"]["properties"]["age"]
    policy = rules.LevelPolicy(rules.OASDIFF, {"response-optional-property-removed": rules.INFO})
    levels = {c.rule: c.level for c in diff.compare(base, head, policy=policy).changes}
    assert levels["response-optional-property-removed"] == rules.INFO
    assert levels["request-property-removed-rejected"] == rules.WARNING  # oasdiff's level
    assert rules.RULES["request-property-removed-rejected"].level == rules.BREAKING


def test_changelog_groups_every_change_by_operation(tmp_path, capsys):
    base, head = clean_spec(), clean_spec()
    head["paths"]["/health"]["get"]["deprecated"] = True
    (tmp_path / "b.json").write_text(json.dumps(base))
    (tmp_path / "h.json").write_text(json.dumps(head))
    assert main(["changelog", str(tmp_path / "b.json"), str(tmp_path / "h.json")]) == 0
    out = capsys.readouterr().out
    assert "### GET /health (health)" in out
    assert "(`api-deprecated`)" in out


def test_circular_and_external_refs_give_a_verdict_not_a_traceback():
    base, head = clean_spec(), clean_spec()
    for spec in (base, head):
        schemas = spec["components"]["schemas"]
        schemas["Loop"] = {"$ref": "#/components/schemas/Loop2"}
        schemas["Loop2"] = {"allOf": [{"$ref": "#/components/schemas/Loop"}], "description": "x"}
        schemas["Health"]["properties"]["loop"] = {"$ref": "#/components/schemas/Loop"}
        schemas["Health"]["properties"]["remote"] = {"$ref": "other.yaml#/Remote"}
    head["components"]["schemas"]["Health"]["properties"]["remote"] = {"$ref": "other.yaml#/Moved"}
    assert isinstance(diff.compare(base, head).changes, list)


def test_a_deprecation_period_comes_from_the_command_line_or_the_config_file(tmp_path, capsys):
    base, head = clean_spec(), clean_spec()
    head["paths"]["/health"]["get"]["deprecated"] = True  # no x-sunset
    (tmp_path / "b.json").write_text(json.dumps(base))
    (tmp_path / "h.json").write_text(json.dumps(head))
    files = [str(tmp_path / "b.json"), str(tmp_path / "h.json")]

    def rules_of(*args):
        code = main(["diff", *files, "--format", "json", *args])
        return code, [c["rule"] for c in json.loads(capsys.readouterr().out)["changes"]]

    assert rules_of() == (0, ["api-deprecated"])
    assert rules_of("--deprecation-days-stable", "30") == (1, ["api-deprecated-sunset-missing"])
    assert rules_of("--deprecation-days-beta", "30") == (0, ["api-deprecated"])  # the operation is stable
    config = tmp_path / "diff-config.yaml"
    config.write_text("deprecation-days-stable: 30\n")
    assert rules_of("--config", str(config)) == (1, ["api-deprecated-sunset-missing"])
    assert rules_of("--config", str(config), "--deprecation-days-stable", "0") == (0, ["api-deprecated"])
    config.write_text("deprecation-days-stable: soon\n")
    assert main(["diff", *files, "--config", str(config)]) == 2
    assert "must be a whole number of days" in capsys.readouterr().err


def test_a_pattern_that_matches_anything_is_no_pattern():
    base, head = clean_spec(), clean_spec()
    base["components"]["schemas"]["Pet"]["properties"]["name"]["pattern"] = ""
    head["components"]["schemas"]["Pet"]["properties"]["name"]["pattern"] = ".*"
    assert diff.compare(base, head).changes == []
    head["components"]["schemas"]["Pet"]["properties"]["name"]["pattern"] = "^[A-Z]"
    assert {c.rule for c in diff.compare(base, head).changes} == {"response-property-pattern-added"}
