"""`--max-time`: a run that would take long stops at its deadline, cleanly, and says what it left out.

And the split of a multi-process run into jobs: a big API's per-operation phases are shared out in parts,
each operation in exactly one of them, so cost per operation stays flat as the API grows.
"""

from __future__ import annotations

import json

import pytest

from contract_tests import GateOptions
from contract_tests.cli import main
from contract_tests.plan import build_plan
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


def test_a_run_over_its_budget_stops_and_reports_what_it_tested(big_spec, tmp_path, capsys):
    reports = tmp_path / "reports"
    budget = 8.0
    argv = [
        "run",
        f"--app={SYNTHETIC}:create_app_80",
        f"--spec={big_spec}",
        "--auth=none",
        "--profile=ci",
        f"--max-time={budget:g}",
        f"--reports={reports}",
    ]
    # Nothing failed in what ran: a stopped run passes on what it tested, and says it is partial.
    assert main(argv) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "Verdict: PASS (partial: stopped by --max-time)" in out
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["seconds"] < budget + SLACK
    assert summary["stopped"].startswith(f"--max-time {budget:g} s reached")
    assert "fuzzing" in summary["stopped"]
    assert summary["totals"]["cases"] > 0
    assert (reports / "contract.xml").is_file()
    assert f"--max-time {budget:g}" in summary["rerun"]


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
    assert all(part.phases == ("examples", "coverage", "fuzzing") for part in parts)


def test_a_small_api_keeps_one_per_operation_pass_and_the_stateful_one():
    plan = build_plan(GateOptions(workers=2))
    assert [(job.name, job.operations) for job in jobs(plan)] == [("stateful", None), ("unit", None)]
