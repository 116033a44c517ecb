"""A phase's own `--max-time` budget: that phase ends, the run goes on with the next, and the report says so.

The runs use the 10-operation synthetic API on `fast`: its fuzzing and coverage phases take far longer than
the budgets given here, so each budget must cut its phase, and the phases after it must still run.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from xml.etree import ElementTree

import pytest

from contract_tests import GateOptions, GateReport, run_gate
from contract_tests.cli import main
from contract_tests.clocks import PhaseBudgets
from contract_tests.max_time import TimeBudgets, parse_max_time
from contract_tests.merge import merge_summaries
from contract_tests.plan import build_plan
from contract_tests.report import CutShort, OperationCoverage
from tests.gate.synthetic_app import openapi_document

SYNTHETIC = "tests.gate.synthetic_app:create_app_10"
# Far below what fuzzing or coverage take on 10 operations: the phase cannot finish within it.
TINY = 0.05
# Seconds a cut phase may run beyond its budget: the case in flight, a loaded machine.
SLACK = 10.0


@pytest.fixture(scope="module")
def small_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "openapi.json"
    path.write_text(json.dumps(openapi_document(10)), encoding="utf-8")
    return path


def _phase(report: GateReport, name: str):
    return next(phase for phase in report.phases if phase.phase == name)


@pytest.mark.parametrize(
    ("given", "run", "phases"),
    [
        (300, 300.0, {}),
        ("300", 300.0, {}),
        ("stateful=60", None, {"stateful": 60.0}),
        ("300,stateful=60", 300.0, {"stateful": 60.0}),
        (["stateful=60", "fuzzing=120", "1.5"], 1.5, {"fuzzing": 120.0, "stateful": 60.0}),
        (" fuzzing = 2 , 10 ", 10.0, {"fuzzing": 2.0}),
    ],
)
def test_the_budgets_are_read_from_seconds_and_phase_items(given, run, phases):
    budgets = parse_max_time(given)
    assert budgets.run == run and dict(budgets.phases) == phases
    # In the gate's phase order, whatever the order given: the report lists cuts in that order.
    assert list(budgets.phases) == [phase for phase in ("fuzzing", "stateful") if phase in phases]


def test_the_plan_resolves_the_budgets_once():
    plan = build_plan(GateOptions(max_time="30,fuzzing=5"))
    assert plan.max_time == TimeBudgets(run=30.0, phases={"fuzzing": 5.0})
    assert plan.deadline is not None
    assert plan.max_time.item() == "30" and plan.max_time.item("fuzzing") == "fuzzing=5"
    # A phase budget alone sets no deadline for the run.
    assert build_plan(GateOptions(max_time="fuzzing=5")).deadline is None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("fuzing=5", "unknown phase 'fuzing'; choose from: examples, coverage, fuzzing, stateful, probes"),
        ("stateful=0", "--max-time stateful= must be a positive number of seconds, got 0"),
        ("stateful=soon", "must be a positive number of seconds, got 'soon'"),
        ("10,20", "gives the run's budget twice (10 and 20)"),
        ("stateful=5,stateful=6", "gives the stateful phase two budgets"),
        (",", "needs SECONDS for the run or PHASE=SECONDS for a phase"),
        ("inf", "must be a positive number of seconds, got inf"),
    ],
)
def test_a_malformed_budget_is_refused_with_what_to_give(given, message):
    with pytest.raises(ValueError) as raised:
        parse_max_time(given)
    assert message in str(raised.value)


def test_the_command_line_refuses_an_unknown_phase_and_a_phase_the_run_does_not_run(capsys):
    assert main(["run", "--profile=fast", "--max-time", "300", "--max-time", "stateful=x"]) == 2
    assert "--max-time stateful= must be a positive number of seconds, got 'x'" in capsys.readouterr().err
    assert main(["run", "--profile=fast", "--max-time=warmup=5"]) == 2
    assert "unknown phase 'warmup'" in capsys.readouterr().err
    assert main(["run", "--profile=fast", "--phases=examples,coverage", "--max-time=stateful=60"]) == 2
    err = capsys.readouterr().err
    assert "this run does not run the stateful phase (it runs examples, coverage)" in err


def test_a_cut_phase_leaves_the_next_phases_to_run_and_the_run_passes_on_what_it_tested(small_spec, tmp_path):
    reports = tmp_path / "reports"
    report = run_gate(
        GateOptions(
            app=SYNTHETIC,
            spec=small_spec,
            profile="fast",
            auth="none",
            workers=1,
            example_database=None,
            reports_dir=reports,
            max_time=f"fuzzing={TINY:g}",
        )
    )
    assert report.cut_short == [CutShort("fuzzing", f"fuzzing={TINY:g}")], report.render()
    assert _phase(report, "fuzzing").seconds < TINY + SLACK
    # The engine went on after fuzzing: the stateful phase and the gate's probes ran as usual.
    assert _phase(report, "stateful").cases > 0 and _phase(report, "probes").cases > 0
    # Every operation got cases from the phases before fuzzing, so the run vouches for all of them.
    assert report.untested == [] and report.ok, report.render()
    rendered = report.render()
    assert f"phase fuzzing cut short by its budget, --max-time fuzzing={TINY:g}" in rendered
    assert rendered.endswith("Verdict: PASS (partial: --max-time cut fuzzing short)")
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["cut_short"] == [{"phase": "fuzzing", "budget": f"fuzzing={TINY:g}"}] and summary["ok"]
    suite = ElementTree.parse(reports / "contract.xml").getroot().find("testsuite")
    properties = {item.get("name"): item.get("value") for item in suite.iter("property")}
    assert properties == {"max-time.cut-short.fuzzing": f"fuzzing={TINY:g}"}
    assert "cut short by its budget" in suite.findtext("system-out")


def test_with_two_processes_each_phase_budget_cuts_its_own_phase_only(small_spec, tmp_path, capsys):
    reports = tmp_path / "reports"
    argv = [
        "run",
        f"--app={SYNTHETIC}",
        f"--spec={small_spec}",
        "--auth=none",
        "--profile=fast",
        "--workers=2",
        "--no-replay",
        f"--reports={reports}",
        "--max-time",
        f"600,coverage={TINY:g}",
    ]
    assert main(argv) == 0, capsys.readouterr().out
    summary = GateReport.read_json(reports / "contract-summary.json")
    assert summary.cut_short == [CutShort("coverage", f"coverage={TINY:g}")]
    # Coverage was cut in the per-operation process; fuzzing after it, and the stateful process, ran on.
    phases = {phase.phase: phase for phase in summary.phases}
    assert phases["fuzzing"].cases > 0 and phases["stateful"].cases > 0 and phases["probes"].cases > 0
    assert "--max-time 600,coverage=" in summary.rerun


def _spend(budgets: PhaseBudgets, seconds: float, out) -> None:
    out.put(budgets.charge("fuzzing", seconds))


def test_a_phase_budget_is_spent_by_all_the_processes_that_run_the_phase():
    context = multiprocessing.get_context("fork")
    budgets = PhaseBudgets({"fuzzing": 1.0}, context)
    out = context.Queue()
    for seconds in (0.4, 0.4):
        process = context.Process(target=_spend, args=(budgets, seconds, out))
        process.start()
        process.join()
    assert sorted(out.get() for _ in range(2)) == pytest.approx([0.2, 0.6])
    # This process sees what the others spent: 0.3 s more spends the rest.
    assert budgets.charge("fuzzing", 0.3) == 0.0


def test_shards_cut_short_are_merged_with_their_budgets():
    def shard(name: str, cuts: list[CutShort]) -> GateReport:
        row = OperationCoverage(f"GET /{name}", ["200"], [200], 3)
        return GateReport("ci", 1, "t", "s", coverage=[row], shard=name, cut_short=cuts, stopped="x")

    first = shard("1/2", [CutShort("fuzzing", "fuzzing=5")])
    second = shard("2/2", [CutShort("fuzzing", "fuzzing=5"), CutShort("stateful", "60")])
    merged = merge_summaries([first, second])
    assert merged.cut_short == [CutShort("fuzzing", "fuzzing=5"), CutShort("stateful", "60")]
    assert GateReport.from_dict(merged.to_dict()).cut_short == merged.cut_short
    assert merged.ok
