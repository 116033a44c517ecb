"""How the gate's tests run it on a fixture app: fast, seeded, no example database; and how they judge it."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from contract_tests import GateOptions, GateReport, run_gate
from contract_tests.profiles import PROFILES

SEED = PROFILES["fast"].seed


def fast_gate(app: str | Callable[[], Any], spec: Any, **options: Any) -> GateReport:
    """The fast profile with its fixed seed and no example database: quick, and the same verdict each time."""
    return run_gate(
        GateOptions(app=app, spec=spec, profile="fast", seed=SEED, example_database=None, **options)
    )


def describe(report: GateReport) -> str:
    return "\n".join([f"{f.check} on {f.operation}: {f.title}" for f in report.failures] + report.errors)


def assert_caught(report: GateReport, check: str, operations: Collection[str]) -> None:
    """The run failed with `check`, blaming only operations where the planted bug lives."""
    assert not report.ok
    blamed = {f.operation for f in report.failures if f.check == check}
    assert blamed and blamed <= set(operations), describe(report)
