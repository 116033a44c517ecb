"""`diff` end to end: the committed spec against edited copies, as files and as git refs."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest

from openapi import build
from openapi.cli import main

TODO = "/components/schemas/Todo"


@pytest.fixture
def published():
    return json.loads(build.JSON_PATH.read_text())


def _write(tmp_path, name, spec):
    path = tmp_path / name
    path.write_text(json.dumps(spec))
    return str(path)


def _diff(capsys, *args):
    code = main(["diff", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _breaking_copy(spec):
    head = copy.deepcopy(spec)
    del head["paths"]["/api/auth/me"]
    todo = head["components"]["schemas"]["Todo"]
    del todo["properties"]["title"]
    todo["required"].remove("title")
    create = head["components"]["schemas"]["TodoCreate"]
    create["properties"]["project"] = {"type": "string", "maxLength": 40}
    create["required"].append("project")
    return head


def test_removed_endpoint_removed_field_and_new_required_field_are_breaking(tmp_path, capsys, published):
    base = _write(tmp_path, "base.json", published)
    head = _write(tmp_path, "head.json", _breaking_copy(published))
    code, report = _diff(capsys, base, head)
    assert code == 1
    found = {(c["rule"], c["operation"], c["pointer"]) for c in report["changes"] if c["level"] == "breaking"}
    assert ("api-path-removed", "GET /api/auth/me", "/paths/~1api~1auth~1me/get") in found
    assert ("response-property-removed", "GET /api/todos/{todo_id}", f"{TODO}/properties/title") in found
    assert ("response-property-removed", "GET /api/todos", f"{TODO}/properties/title") in found
    assert (
        "new-required-request-property",
        "POST /api/todos",
        "/components/schemas/TodoCreate/properties/project",
    ) in found
    assert report["summary"]["result"] == "fail"


def test_an_added_optional_field_is_info_and_passes(tmp_path, capsys, published):
    head = copy.deepcopy(published)
    head["components"]["schemas"]["TodoCreate"]["properties"]["project"] = {"type": "string", "maxLength": 40}
    code, report = _diff(
        capsys, _write(tmp_path, "base.json", published), _write(tmp_path, "head.json", head)
    )
    assert code == 0
    assert [(c["rule"], c["level"]) for c in report["changes"]] == [("new-optional-request-property", "info")]


def test_a_major_version_bump_lets_breaking_changes_through(tmp_path, capsys, published):
    head = _breaking_copy(published)
    head["info"]["version"] = "2.0.0"
    code, report = _diff(
        capsys, _write(tmp_path, "base.json", published), _write(tmp_path, "head.json", head)
    )
    assert code == 0
    assert report["summary"]["breaking"] > 0
    assert report["summary"]["major_version_increased"] is True


def test_a_minor_version_bump_does_not(tmp_path, capsys, published):
    head = _breaking_copy(published)
    head["info"]["version"] = "1.9.0"
    code, _ = _diff(capsys, _write(tmp_path, "base.json", published), _write(tmp_path, "head.json", head))
    assert code == 1


def test_accepted_changes_are_shown_as_accepted_and_stale_entries_are_warned(tmp_path, capsys, published):
    head = copy.deepcopy(published)
    del head["paths"]["/api/auth/me"]
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(
        "accepted:\n"
        "  - rule: api-path-removed\n"
        "    operation: get /api/auth/me\n"
        "    reason: No client calls it.\n"
        "  - rule: response-property-removed\n"
        f"    pointer: {TODO}/properties/title\n"
        "    reason: Already gone.\n"
    )
    base, head_path = _write(tmp_path, "base.json", published), _write(tmp_path, "head.json", head)
    code, report = _diff(capsys, base, head_path, "--accepted", str(accepted))
    assert code == 0
    assert [(c["rule"], c["accepted"]) for c in report["changes"]] == [
        ("api-path-removed", "No client calls it.")
    ]
    assert [e["rule"] for e in report["stale_accepted"]] == ["response-property-removed"]
    assert main(["diff", base, head_path, "--accepted", str(accepted)]) == 0
    text = capsys.readouterr().out
    assert "BREAKING (accepted)" in text
    assert "stale entry" in text


def test_an_accepted_entry_for_an_unknown_rule_is_an_error(tmp_path, capsys, published):
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text("accepted:\n  - rule: no-such-rule\n    operation: getTodo\n    reason: x\n")
    base = _write(tmp_path, "base.json", published)
    assert main(["diff", base, base, "--accepted", str(accepted)]) == 2
    assert "unknown rule 'no-such-rule'" in capsys.readouterr().err


def test_the_committed_accepted_changes_file_is_valid():
    from openapi import accepted, diff

    entries = accepted.load(known=diff.RULES)  # raises on a malformed entry
    assert all(entry.reason and (entry.operation or entry.pointer) for entry in entries)


def test_markdown_and_text_name_the_rule_operation_and_pointer(tmp_path, capsys, published):
    base = _write(tmp_path, "base.json", published)
    head = _write(tmp_path, "head.json", _breaking_copy(published))
    assert main(["diff", base, head, "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert markdown.startswith("### ❌ API changes")
    operation = "GET /api/todos/{todo_id} (`getTodo`)"
    row = f"| `response-property-removed` | {operation} | `{TODO}/properties/title` |"
    assert row in markdown
    assert main(["diff", base, head]) == 1
    text = capsys.readouterr().out
    assert "response-property-removed  GET /api/todos/{todo_id} [getTodo]" in text
    assert f"at #{TODO}/properties/title" in text
    assert "FAIL:" in text.splitlines()[-1]


def test_git_refs_read_the_committed_spec(tmp_path, capsys, monkeypatch, published):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "openapi").mkdir()
    spec_path = tmp_path / "openapi" / "openapi.json"
    spec_path.write_text(json.dumps(published))
    git("init", "-q")
    git("add", "openapi/openapi.json")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    spec_path.write_text(json.dumps(_breaking_copy(published)))
    monkeypatch.chdir(tmp_path)
    code, report = _diff(capsys, "git:HEAD", "openapi/openapi.json")
    assert code == 1
    assert report["base"] == {"source": "git:HEAD", "version": "1.0.0"}
    code, report = _diff(capsys, "git:HEAD:openapi/openapi.json", "git:HEAD")
    assert code == 0
    assert report["changes"] == []
    assert main(["diff", "git:no-such-ref"]) == 2
    assert "git show no-such-ref:openapi/openapi.json" in capsys.readouterr().err


def test_warnings_fail_only_when_asked(tmp_path, capsys, published):
    head = copy.deepcopy(published)
    del head["paths"]["/api/todos/{todo_id}"]["get"]["responses"]["404"]
    base, head_path = _write(tmp_path, "base.json", published), _write(tmp_path, "head.json", head)
    code, report = _diff(capsys, base, head_path)
    assert code == 0
    assert [(c["rule"], c["level"]) for c in report["changes"]] == [
        ("response-non-success-status-removed", "warning")
    ]
    code, _ = _diff(capsys, base, head_path, "--fail-on", "warning")
    assert code == 1
