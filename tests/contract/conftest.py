"""The fault-injection summary: which injected bugs the gate caught, printed at the end of the run."""

from __future__ import annotations

from typing import Any

FAULT_TEST = "test_fault_injection.py::test_gate_catches_fault["


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reports = [
        report
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, ())
        if getattr(report, "when", None) == "call" and FAULT_TEST in report.nodeid
    ]
    if not reports:
        return
    caught = sum(report.passed for report in reports)
    terminalreporter.section("contract gate self-test")
    for report in sorted(reports, key=lambda r: r.nodeid):
        props = dict(report.user_properties)
        verdict = "caught" if report.passed else "MISSED"
        fault, expected = props.get("fault", report.nodeid), props.get("expected_check", "?")
        terminalreporter.write_line(
            f"{verdict:<7} {fault:<24} expected {expected:<29}"
            f" failed checks: {props.get('checks_failed') or '-'} ({props.get('seconds', '?')} s)"
        )
    terminalreporter.write_line(
        f"faults caught by the gate: {caught}/{len(reports)} ({100 * caught / len(reports):.0f}%)"
    )
