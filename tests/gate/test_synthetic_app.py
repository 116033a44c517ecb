"""The synthetic API the scaling bench measures: a valid spec of the asked size, and one the gate passes."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from contract_tests import GateOptions, run_gate
from contract_tests.profiles import ENGINE_PHASES, PROFILES
from openapi.document import operations
from tests.gate.synthetic_app import create_app, openapi_document, resource_count


@pytest.mark.parametrize("size", [10, 20, 40, 80])
def test_the_generator_makes_a_valid_spec_with_that_many_operations(size):
    document = openapi_document(size)
    validate(document)
    labels = [op.label for op in operations(document)]
    assert len(labels) == len(set(labels)) == size
    links = [
        name
        for op in operations(document)
        for response in op.node["responses"].values()
        for name in response.get("links", {})
    ]
    # Three links from each create, one from each get but the first to its parent's get.
    resources = resource_count(size)
    assert len(links) == 3 * resources + resources - 1


def test_a_size_that_is_not_whole_resources_is_refused():
    with pytest.raises(ValueError, match="multiple of 5"):
        create_app(12)


def test_the_gate_passes_on_the_ten_operation_app(tmp_path):
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(openapi_document(10)), encoding="utf-8")
    report = run_gate(
        GateOptions(
            app=lambda: create_app(10),
            spec=spec,
            profile="fast",
            seed=PROFILES["fast"].seed,
            auth="none",
            example_database=None,
            # A budget the run stays well within: it must not be reported as stopped.
            max_time=600,
        )
    )
    assert report.ok and report.stopped == "", report.render()
    # The summary's per-phase figures (what the scaling bench prints) account for every case.
    assert [phase.phase for phase in report.phases] == [*ENGINE_PHASES, "probes"]
    assert sum(phase.cases for phase in report.phases) == report.totals.cases
    assert report.totals.operations == 10
    assert all(row.cases > 0 for row in report.coverage), report.coverage_table()
    # The links reach every item operation: the stateful phase ran and the reads found what was created.
    assert all(200 in row.observed for row in report.coverage if row.operation.startswith("GET")), (
        report.coverage_table()
    )
