"""`contract-gate merge-reports`: the shards' reports joined into the one report a single run would write."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from contract_tests.applog import merge_summaries as merge_lines
from contract_tests.engine import HTML_NAME, JUNIT_NAME, SUMMARY_NAME
from contract_tests.junit import add_cut_short, merge_junit
from contract_tests.report import GateReport, OperationCoverage, PhaseTotals, Totals


class MergeError(ValueError):
    """The directories given do not hold reports the gate wrote; the message names the missing file."""


def merge_summaries(reports: Sequence[GateReport]) -> GateReport:
    """Failures and errors of every shard, coverage united by operation, totals added up.

    Shards run side by side, so the merged run took as long as its slowest shard.
    """
    if not reports:
        raise MergeError("merge-reports needs at least one reports directory")
    first = reports[0]
    merged = GateReport(
        profile=first.profile,
        seed=first.seed,
        target=first.target,
        spec=first.spec,
        require_status_coverage=any(report.require_status_coverage for report in reports),
        shard="+".join(report.shard or "?" for report in reports),
    )
    seen_failures: set[tuple[str, str, str]] = set()
    rows: dict[str, OperationCoverage] = {}
    phases: dict[str, PhaseTotals] = {}
    for report in reports:
        for phase in report.phases:
            total = phases.setdefault(phase.phase, PhaseTotals(phase.phase))
            total.seconds += phase.seconds
            total.cases += phase.cases
            total.requests += phase.requests
        if report.stopped:
            note = f"shard {report.shard or '?'}: {report.stopped}"
            merged.stopped = f"{merged.stopped}; {note}" if merged.stopped else note
        merged.cut_short += [cut for cut in report.cut_short if cut not in merged.cut_short]
        for failure in report.failures:
            key = (failure.check, failure.operation, failure.title)
            if key not in seen_failures:
                seen_failures.add(key)
                merged.failures.append(failure)
        merged.errors += [error for error in report.errors if error not in merged.errors]
        merged.error_details.update(report.error_details)
        merged.skipped += report.skipped
        merged.notes += report.notes
        for row in report.coverage:
            if row.operation not in rows:
                rows[row.operation] = OperationCoverage(row.operation, list(row.documented), [], 0)
            rows[row.operation].observed = sorted(set(rows[row.operation].observed) | set(row.observed))
            rows[row.operation].cases += row.cases
    merged.app_log = merge_lines([report.app_log for report in reports])
    merged.app_output = merge_lines([report.app_output for report in reports])
    merged.app_output_lines = sum(report.app_output_lines for report in reports)
    merged.coverage = sorted(rows.values(), key=lambda row: row.operation)
    merged.phases = list(phases.values())
    totals = [report.totals for report in reports]
    merged.totals = Totals(
        operations=len(merged.coverage),
        cases=sum(t.cases for t in totals),
        requests=sum(t.requests for t in totals),
        checks_run=sum(t.checks_run for t in totals),
        relogins=sum(t.relogins for t in totals),
        failures=len(merged.failures),
        flaky=sum(failure.flaky for failure in merged.failures),
        errors=len(merged.errors),
        seconds=max(t.seconds for t in totals),
    )
    return merged


def merge_reports(directories: Sequence[Path], out: Path) -> GateReport:
    """Read each shard's summary and JUnit file, write the merged ones to `out`, copy the HTML reports."""
    summaries = []
    for directory in directories:
        summary = directory / SUMMARY_NAME
        if not summary.is_file():
            raise MergeError(f"{summary} does not exist: pass the --reports directory of each shard's run")
        summaries.append(GateReport.read_json(summary))
    merged = merge_summaries(summaries)
    out.mkdir(parents=True, exist_ok=True)
    junits = [directory / JUNIT_NAME for directory in directories if (directory / JUNIT_NAME).is_file()]
    if junits:
        merge_junit(junits, out / JUNIT_NAME)
        merged.reports["JUnit XML"] = str(out / JUNIT_NAME)
        if merged.cut_short:
            cuts = [(cut.phase, cut.budget) for cut in merged.cut_short]
            add_cut_short(out / JUNIT_NAME, cuts, merged.stopped)
    for number, (directory, report) in enumerate(zip(directories, summaries, strict=True), 1):
        label = (report.shard or str(number)).replace("/", "-of-")
        for html in sorted(directory.glob(f"{HTML_NAME}*")):
            if not (html / "index.html").is_file():
                continue
            destination = out / f"{html.name}-shard-{label}"
            if destination.resolve() != html.resolve():
                shutil.rmtree(destination, ignore_errors=True)
                shutil.copytree(html, destination)
            merged.reports[f"HTML report ({html.name}, shard {report.shard or number})"] = str(
                destination / "index.html"
            )
    merged.reports["Summary (JSON)"] = str(out / SUMMARY_NAME)
    merged.write_json(out / SUMMARY_NAME)
    return merged
