"""The gate's own test: with one bug injected into our app, the gate must fail, with the check that fits.

Each run is the gate as `make contract-fast` runs it (every operation, every phase, every check, the
fast profile's fixed seed), minus the example database, so that a fault's failures are neither replayed
into nor read from the developer's `.hypothesis/`. The share of faults caught is printed at the end of
the test session (see conftest.py).
"""

from __future__ import annotations

import time

import pytest

from app import create_app
from contract_tests import GateOptions, GateReport, run_gate

from .faults import FAULTS, inject

PROFILE = "fast"
# The two halves a run splits into (each its own process on `ci`): a fault must be caught by either alone.
PHASE_GROUPS = {"unit": ("examples", "coverage", "fuzzing"), "stateful": ("stateful",)}
# A crash escaping the app: what Schemathesis reports least evenly across phases.
FAULTS_EVERY_PHASE_SEES = ("app_raises",)


def run_fast_gate(app_factory, phases: tuple[str, ...] | None = None) -> GateReport:
    return run_gate(GateOptions(app=app_factory, profile=PROFILE, example_database=None, phases=phases))


def describe(report: GateReport) -> str:
    lines = [f"{failure.check} on {failure.operation}: {failure.title}" for failure in report.failures]
    return "\n".join(lines + report.errors) or "no failure"


@pytest.mark.slow
def test_gate_passes_on_the_clean_app():
    """Without this, a gate that always fails would 'catch' every fault."""
    report = run_fast_gate(create_app)
    assert report.ok, describe(report)
    assert report.totals.cases > 0 and report.totals.checks_run > 0
    untested = [row.operation for row in report.coverage if row.cases == 0]
    assert not untested, f"operations the gate never exercised: {untested}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_gate_catches_fault(name, record_property):
    fault = FAULTS[name]
    record_property("fault", name)
    record_property("expected_check", fault.check)
    started = time.perf_counter()
    report = run_fast_gate(lambda: inject(create_app(), name))
    record_property("checks_failed", ",".join(sorted(report.checks_failed())))
    record_property("seconds", round(time.perf_counter() - started, 1))

    assert not report.ok
    assert not report.errors, describe(report)
    matching = [f for f in report.failures if f.check == fault.check and f.operation in fault.operations]
    assert matching, f"{name} ({fault.description}) expected {fault.check}; got:\n{describe(report)}"
    # A deterministic bug reproduces on replay, and the report tells how to send the request again.
    assert any(not f.flaky for f in matching), describe(report)
    assert all("curl" in f.curl for f in matching)
    # The gate blames the operations the bug lives in, with checks that describe that bug.
    allowed_checks = {fault.check, *fault.also}
    stray = [
        f for f in report.failures if f.operation not in fault.operations or f.check not in allowed_checks
    ]
    assert not stray, f"failures outside the injected bug:\n{describe(report)}"


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(PHASE_GROUPS))
@pytest.mark.parametrize("name", FAULTS_EVERY_PHASE_SEES)
def test_each_phase_reports_the_fault_on_the_operation_that_has_it(name, group):
    """No phase loses what the app did: a stateful crash is the operation's failure, not the sequence's."""
    fault = FAULTS[name]
    report = run_fast_gate(lambda: inject(create_app(), name), phases=PHASE_GROUPS[group])
    assert not report.errors, describe(report)
    matching = [f for f in report.failures if f.check == fault.check and f.operation in fault.operations]
    assert matching, f"{name} in the {group} phases: expected {fault.check}; got:\n{describe(report)}"
    assert {f.phase for f in matching} <= set(PHASE_GROUPS[group])
    # Confirmed by re-sending the exact request (or replaying the sequence), with a curl line to send it.
    assert all(not f.flaky and "curl" in f.curl for f in matching), describe(report)
    stray = [f for f in report.failures if f.operation not in fault.operations]
    assert not stray, describe(report)
