"""Cost that grows with the API and a bound the user sets: the budgets, the split into jobs, `--max-time`.

A big API's per-operation phases are shared out to the processes in parts (each operation in exactly one),
the stateful phase's scenarios grow with the operations, and `--max-time` stops a run at its deadline,
cleanly, saying what it left out.
"""

from __future__ import annotations

import json

import pytest

from contract_tests import GateOptions, GateReport
from contract_tests.cli import main
from contract_tests.config import build_config
from contract_tests.plan import build_plan, stateful_scenarios
from contract_tests.report import OperationCoverage
from contract_tests.workers import UNIT_PART_OPERATIONS, jobs
from tests.gate.synthetic_app import openapi_document

SYNTHETIC = "tests.gate.synthetic_app"
# Seconds a stopped run may take beyond its budget: the case in flight, the reports, a loaded machine.
SLACK = 15.0


@pytest.fixture(scope="module")
def big_spec(tmp_path_factory: pytest.TempPathFactory):
    """The 80-operation synthetic API: `ci` takes over half a minute on it, far beyond the budget below."""
    path = tmp_path_factory.mktemp("synthetic") / "openapi.json"
    path.write_text(json.dumps(openapi_document(80)), encoding="utf-8")
    return path


def test_a_run_over_its_budget_stops_and_fails_on_the_operations_it_never_reached(big_spec, tmp_path, capsys):
    reports = tmp_path / "reports"
    budget = 1.0
    argv = [
        "run",
        f"--app={SYNTHETIC}:create_app_80",
        f"--spec={big_spec}",
        "--auth=none",
        "--profile=ci",
        f"--max-time={budget:g}",
        f"--reports={reports}",
    ]
    # One second cannot reach 80 operations: the gate vouches for none it did not test.
    assert main(argv) == 1, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "operation(s) got a case)" in out and "Verdict: FAIL (stopped by --max-time before" in out
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["seconds"] < budget + SLACK
    assert summary["stopped"].startswith(f"--max-time {budget:g} s reached")
    assert "fuzzing" in summary["stopped"] and "got no case: " in summary["stopped"]
    assert summary["untested"] and summary["failures"] == [] and summary["errors"] == []
    assert (reports / "contract.xml").is_file()
    assert f"--max-time {budget:g}" in summary["rerun"]


def _stopped_report(cases: list[int]) -> GateReport:
    coverage = [OperationCoverage(f"GET /r{i}", ["200"], [200] if n else [], n) for i, n in enumerate(cases)]
    return GateReport(profile="ci", seed=1, target="t", spec="s", coverage=coverage, stopped="--max-time 5 s")


def test_a_stopped_run_passes_only_when_every_operation_got_cases():
    reached = _stopped_report([3, 1])
    assert reached.ok and reached.render().endswith("Verdict: PASS (partial: stopped by --max-time)")
    short = _stopped_report([3, 0])
    assert not short.ok and short.untested == ["GET /r1"]
    assert "Verdict: FAIL (stopped by --max-time before 1 operation(s) got a case)" in short.render()
    # Without --max-time an operation without cases is the coverage table's business, not the verdict's.
    short.stopped = ""
    assert short.ok


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_budget_that_is_not_positive_is_refused(value, capsys):
    assert main(["run", "--profile=fast", f"--max-time={value}"]) == 2
    assert "--max-time must be a positive number of seconds" in capsys.readouterr().err


def test_a_big_api_is_shared_out_in_parts_with_each_operation_in_one(big_spec):
    plan = build_plan(GateOptions(app="x:y", spec=big_spec, workers=2))
    todo = jobs(plan)
    assert todo[0].name == "stateful" and todo[0].operations is None
    parts = todo[1:]
    assert len(parts) == -(-80 // UNIT_PART_OPERATIONS)
    labels = [label for part in parts for label in part.operations or ()]
    assert sorted(labels) == sorted(set(labels)) and len(labels) == 80
    assert all(part.phases == ("examples", "coverage", "fuzzing", "probes") for part in parts)


def test_a_small_api_keeps_one_per_operation_pass_and_the_stateful_one():
    plan = build_plan(GateOptions(workers=2))
    assert [(job.name, job.operations) for job in jobs(plan)] == [("stateful", None), ("unit", None)]


@pytest.mark.parametrize(("operations", "scenarios"), [(1, 60), (11, 60), (20, 120), (40, 240), (80, 480)])
def test_the_stateful_budget_grows_with_the_operations(operations, scenarios):
    assert stateful_scenarios(60, operations) == scenarios


def test_the_stateful_budget_reaches_schemathesis_and_leaves_the_per_operation_one(big_spec):
    plan = build_plan(GateOptions(app="x:y", spec=big_spec, profile="ci"))
    project = build_config(plan).projects.get_default()
    assert project.get_hypothesis_settings(phase="stateful").max_examples == 480
    assert project.get_hypothesis_settings(phase="fuzzing").max_examples == 60
