"""Boundary probes: overflow values for unbounded integers, long strings, deep and large bodies, any seed.

The notes API (notes_app.py) stores an unbounded integer path id in SQLite: 2**63 is a 500. The fast
profile's fixed seed misses it, and the probes find it whatever the seed; the fixed app passes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import schemathesis

from contract_tests import GateOptions, GateReport, run_gate
from contract_tests.probes import (
    HIGH_INTEGERS,
    INT64_MAX,
    LOW_INTEGERS,
    NESTING_DEPTH,
    integer_probes,
    is_unbounded_string,
    plan_probes,
    resolve,
)
from contract_tests.profiles import ENGINE_PHASES, PROFILES
from tests.gate.notes_app import create_app, create_bounded_app, openapi_document

NOTE = "GET /notes/{note_id}"
CREATE = "POST /notes/"


@pytest.fixture(scope="module")
def notes_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("notes") / "openapi.json"
    path.write_text(json.dumps(openapi_document(), indent=2), encoding="utf-8")
    return path


def notes_gate(spec: Path, factory=create_app, **options) -> GateReport:
    options.setdefault("seed", PROFILES["fast"].seed)
    return run_gate(GateOptions(app=factory, spec=spec, profile="fast", example_database=None, **options))


def describe(report: GateReport) -> str:
    lines = [f"{f.check} on {f.operation} ({f.phase}): {f.title}" for f in report.failures]
    return "\n".join(lines + report.errors)


def test_integer_probes_go_only_past_the_sides_without_a_bound():
    assert integer_probes({"type": "integer"}) == {**HIGH_INTEGERS, **LOW_INTEGERS}
    assert integer_probes({"type": "integer", "minimum": 0}) == HIGH_INTEGERS
    assert integer_probes({"type": "integer", "maximum": 10}) == LOW_INTEGERS
    assert integer_probes({"type": "integer", "minimum": 1, "maximum": 2**31 - 1}) == {}
    assert integer_probes({"type": "integer", "enum": [1, 2]}) == {}
    assert INT64_MAX + 1 in HIGH_INTEGERS.values() and 2**64 in HIGH_INTEGERS.values()


def test_only_free_strings_get_a_long_value():
    assert is_unbounded_string({"type": "string"})
    assert is_unbounded_string({"type": ["string", "null"]})
    for bounded in ({"maxLength": 10}, {"pattern": "^a{1,3}$"}, {"enum": ["a"]}, {"format": "date-time"}):
        assert not is_unbounded_string({"type": "string", **bounded})


def test_refs_and_all_of_are_resolved_for_the_walk():
    root = {"defs": {"Base": {"properties": {"a": {"type": "integer"}}}}}
    schema = {"allOf": [{"$ref": "#/defs/Base"}, {"properties": {"b": {"type": "string"}}}]}
    assert set(resolve(schema, root)["properties"]) == {"a", "b"}


def test_plan_probes_the_unbounded_id_and_every_json_body(notes_spec):
    schema = schemathesis.openapi.from_path(notes_spec)
    note = schema.find_operation_by_label(NOTE)
    kinds = {(probe.location, probe.name, probe.kind) for probe in plan_probes(note, body_limit=None)}
    assert kinds == {("path", "note_id", kind) for kind in HIGH_INTEGERS}  # `minimum: 0` is documented
    create = plan_probes(schema.find_operation_by_label(CREATE), body_limit=1000)
    # `rank` documents its bounds, `text` its maxLength: only the whole-body probes remain.
    assert [probe.kind for probe in create] == [f"{NESTING_DEPTH}-deep nested arrays", "1001-byte JSON body"]


@pytest.mark.slow
def test_the_fast_profile_without_probes_misses_the_overflow(notes_spec):
    """Why the probes exist: Schemathesis' phases, seeded as `fast` is, pass this app."""
    report = notes_gate(notes_spec, phases=ENGINE_PHASES, replay=False)
    assert report.ok, describe(report)
    assert report.totals.cases > 100


@pytest.mark.parametrize("seed", [1, 2, PROFILES["fast"].seed])
def test_probes_catch_the_overflow_whatever_the_seed(notes_spec, seed, capfd):
    report = notes_gate(notes_spec, seed=seed, phases=("probes",))
    crashes = [f for f in report.failures if f.check == "not_a_server_error" and f.operation == NOTE]
    assert crashes, describe(report)
    crash = crashes[0]
    assert crash.phase == "probes" and not crash.flaky  # the exact request, re-sent, crashed again
    assert "OverflowError" in crash.title and "int64 max + 1 in path note_id" in crash.message
    assert "curl -X GET http://localhost/notes/9223372036854775808" in crash.curl
    # The app's own log line is in the report, and none of it went over the console.
    assert any("OverflowError" in line for line in crash.app_log)
    assert any("Exception on /notes/9223372036854775808 [GET]" in line for line in report.app_log)
    assert "Exception on" not in capfd.readouterr().err
    # The deep body is a second 500 of the app as written, found by the same phase.
    found = {(f.operation, f.check) for f in report.failures}
    assert found == {(NOTE, "not_a_server_error"), (CREATE, "not_a_server_error")}


def test_a_crash_is_reported_when_the_app_serves_its_own_spec():
    """A spec fetched from the app in-process has no host: the crash's request still gets a URL."""

    def serving_its_spec():
        app = create_app()
        app.add_url_rule("/spec.json", "spec", openapi_document)  # a document without `servers`
        return app

    report = notes_gate("/spec.json", factory=serving_its_spec, phases=("probes",), replay=False)
    assert not report.errors, describe(report)
    crash = next(f for f in report.failures if f.check == "not_a_server_error" and f.operation == NOTE)
    assert "curl -X GET http://localhost/notes/" in crash.curl


def test_probe_failures_are_in_the_junit_report_under_their_operation(notes_spec, tmp_path):
    notes_gate(notes_spec, phases=("probes",), reports_dir=tmp_path, replay=False)
    cases = {case.get("name"): case for case in ElementTree.parse(tmp_path / "contract.xml").iter("testcase")}
    failure = cases[NOTE].find("failure")
    assert failure is not None and "not_a_server_error" in failure.get("message", "")
    assert "9223372036854775808" in (failure.text or "")


def test_the_fixed_app_passes_the_probes(notes_spec):
    report = notes_gate(notes_spec, factory=create_bounded_app, phases=("probes",))
    assert report.ok, describe(report)
    assert report.totals.cases == len(HIGH_INTEGERS) + 2
    assert 404 in next(row.observed for row in report.coverage if row.operation == NOTE)


def test_our_app_passes_the_probes():
    report = run_gate(GateOptions(profile="fast", phases=("probes",), example_database=None))
    assert report.ok, describe(report)
    # Our integers and strings all document their bounds: the probes are the two body probes per body.
    bodies = {row.operation for row in report.coverage if row.cases}
    assert bodies == {
        "POST /api/auth/login",
        "POST /api/auth/register",
        "POST /api/todos",
        "PUT /api/todos/{todo_id}",
        "PATCH /api/todos/{todo_id}",
    }
    assert report.totals.cases == 2 * len(bodies)
