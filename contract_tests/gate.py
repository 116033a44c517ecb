"""Run Schemathesis' engine (the one behind `st run`) in-process on the published spec, and judge the run.

The parts, one concern each: `plan` (options, profile and environment resolved once), `config` (the plan
as Schemathesis configuration), `engine` (one pass, events to a list of handlers), `collector` (our
handler: failures, coverage, totals), `workers` (process groups), `replay` (confirmation), `junit`,
`shards`, `max_time` (the `--max-time` budgets) and `clocks` (what enforces them); `defaults` is what the
gate knows of this repository.
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path

from schemathesis.checks import load_all_checks

from contract_tests.applog import summary
from contract_tests.engine import HTML_NAME, JUNIT_NAME, SUMMARY_NAME, PassResult
from contract_tests.junit import add_cut_short, add_gate_failures, write_error_junit
from contract_tests.options import DEFAULT_EXAMPLE_DATABASE, GateOptions
from contract_tests.plan import AUTH_VARIABLES, GatePlan, build_plan
from contract_tests.profiles import PROBES
from contract_tests.replay import confirm
from contract_tests.report import CutShort, GateReport, Totals
from contract_tests.signin import PHASE as SIGN_IN
from contract_tests.spec_check import DOCUMENT
from contract_tests.spec_check import PHASE as SPEC
from contract_tests.transport import install_formats, install_wsgi_shim
from contract_tests.workers import run_groups

# Phases of the gate's own, which Schemathesis' JUnit handler does not see.
GATE_PHASES = (SPEC, PROBES, SIGN_IN)

__all__ = [
    "DEFAULT_EXAMPLE_DATABASE",
    "HTML_NAME",
    "JUNIT_NAME",
    "SUMMARY_NAME",
    "GateOptions",
    "run_gate",
    "write_unrunnable_reports",
]


def run_gate(options: GateOptions | None = None, *, echo: Callable[[str], None] | None = None) -> GateReport:
    """Run the contract gate; `echo` (e.g. `print`) gets progress lines, the report is returned."""
    plan = build_plan(options or GateOptions())
    echo = echo or (lambda *_: None)
    started = time.monotonic()
    install_wsgi_shim()
    install_formats()
    load_all_checks()
    _echo_spec_check(plan, echo)
    try:
        run = run_groups(plan, echo)
        out_of_time = plan.deadline is not None and time.monotonic() >= plan.deadline
        if plan.replay and run.collector.failures() and not out_of_time:
            confirm(plan, run, echo)
        # After the replay: a defect of the document is a fact about it, not a response to send again.
        run.collector.add_spec_defects(plan.spec_defects, plan.operations)
    finally:
        if plan.fresh_databases is not None:
            left = plan.fresh_databases.drop_leftovers()
            if left:
                echo(f"dropped {len(left)} database(s) a process of the gate left behind: {', '.join(left)}")
    report = _report(plan, run)
    report.totals.seconds = time.monotonic() - started
    if run.stopped:
        report.cut_short = run.stopped
        report.stopped = stopped_note(plan, report, run.stopped, replayed=plan.replay and not out_of_time)
    junit = report.reports.get("JUnit XML")
    extra = [failure for failure in report.failures if failure.phase in GATE_PHASES]
    if junit is not None and extra:
        add_gate_failures(
            Path(junit), [(f.operation, f"{f.check}: {f.title}", f.render(i)) for i, f in enumerate(extra, 1)]
        )
    if junit is not None and report.cut_short:
        add_cut_short(Path(junit), [(cut.phase, cut.budget) for cut in report.cut_short], report.stopped)
    if plan.reports_dir is not None:
        summary = plan.reports_dir / SUMMARY_NAME
        report.reports["Summary (JSON)"] = str(summary)
        report.write_json(summary)
    return report


def _echo_spec_check(plan: GatePlan, echo: Callable[[str], None]) -> None:
    defects = plan.spec_defects
    if not defects:
        return
    count = len({defect for found in defects.values() for defect in found})
    operations = [label for label in defects if label != DOCUMENT]
    echo(
        f"Spec check: {count} defect(s) in the spec, on {len(operations)} operation(s) "
        f"({'outside any operation too' if DOCUMENT in defects else 'none outside them'}); "
        "each is a failure of the operation it concerns, and every operation is still tested"
    )


def write_unrunnable_reports(options: GateOptions, message: str) -> dict[str, str]:
    """The reports of a run that could not start (exit 2): the summary and JUnit say why, none is stale."""
    if options.reports_dir is None:
        return {}
    reports_dir = Path(options.reports_dir)
    junit, summary = reports_dir / JUNIT_NAME, reports_dir / SUMMARY_NAME
    write_error_junit(junit, message)
    reports = {"JUnit XML": str(junit), "Summary (JSON)": str(summary)}
    report = GateReport(
        profile=options.profile,
        seed=options.seed if options.seed is not None else 0,
        target=str(options.base_url or options.app or "the default app"),
        spec=str(options.spec or "the default spec"),
        errors=[f"The gate could not run: {message}"],
        reports=reports,
        rerun=rerun_command(options, options.profile, options.seed or 0),
    )
    report.totals.errors = 1
    report.write_json(summary)
    return reports


def _report(plan: GatePlan, run: PassResult) -> GateReport:
    collector = run.collector
    failures = [found.failure for found in collector.failures()]
    report = GateReport(
        profile=plan.profile.name,
        seed=run.seed,
        target=run.target,
        spec=run.spec,
        failures=failures,
        errors=collector.errors,
        coverage=collector.coverage(run.raw_schema, selected=plan.operations),
        require_status_coverage=plan.require_status_coverage,
        reports=run.reports,
        auth=run.auth,
        skipped=run.skipped,
        notes=collector.notes,
        app_log=summary(collector.app_log),
        app_output=summary(collector.app_output),
        app_output_lines=sum(collector.app_output.values()),
        error_details=dict(collector.error_details),
        rerun=rerun_command(plan.options, plan.profile.name, run.seed),
        shard=str(plan.shard) if plan.shard is not None else "",
        phases=collector.phase_totals(),
    )
    report.totals = Totals(
        operations=len(report.coverage),
        cases=collector.cases,
        requests=collector.requests,
        checks_run=collector.checks_run,
        relogins=collector.relogins,
        failures=len(failures),
        flaky=sum(failure.flaky for failure in failures),
        errors=len(report.errors),
    )
    return report


def stopped_note(plan: GatePlan, report: GateReport, cuts: list[CutShort], *, replayed: bool) -> str:
    """What `--max-time` cut short: the phases and the budget that cut each, the operations that got no
    case, an unconfirmed failure."""
    untested = [row.operation for row in report.coverage if row.cases == 0]
    parts = []
    by_run = [cut.phase for cut in cuts if not cut.by_phase_budget]
    if by_run:
        parts.append(
            f"--max-time {plan.max_time.item()} s reached after {report.totals.seconds:.1f} s; "
            f"phases cut short or not started: {', '.join(by_run)}"
        )
    seconds = {phase.phase: phase.seconds for phase in report.phases}
    parts += [
        f"phase {cut.phase} cut short by its budget, --max-time {cut.budget} "
        f"({seconds.get(cut.phase, 0.0):.1f} s spent, over the processes that ran it)"
        for cut in cuts
        if cut.by_phase_budget
    ]
    note = "; ".join(parts)
    if untested:
        note += f"; {len(untested)} operation(s) got no case: {', '.join(untested)}"
    if report.failures and not replayed:
        note += "; failures were not replayed (no time left), so none is marked flaky"
    return note


def rerun_command(options: GateOptions, profile: str, seed: int) -> str:
    """The command line of this run: without its --app/--spec/--auth, it would test our app instead."""
    parts = ["python -m contract_tests run", f"--profile {profile}", f"--seed {seed}"]
    named = {
        "--app": options.app,
        "--spec": options.spec,
        "--base-url": options.base_url,
        "--auth": options.auth,
        # Auth without code names variables, never their values: the command is safe to print.
        **{f"--{name.replace('_', '-')}": getattr(options, name) for name in AUTH_VARIABLES},
        "--max-examples": options.max_examples,
        "--workers": options.workers,
        "--shard": options.shard,
        "--phases": ",".join(options.phases) if options.phases else None,
        "--max-time": options.max_time,
    }
    for flag, value in named.items():
        if isinstance(value, str | int | float | os.PathLike):  # a callable app or hook has no command line
            parts.append(f"{flag} {shlex.quote(str(value))}")
    # Header values are secrets: the command names the header and leaves its value to the user.
    parts += [f"--header {shlex.quote(header.partition(':')[0] + ': ...')}" for header in options.headers]
    return " ".join(parts)
