"""The contract, one pytest test per operation plus the stateful test; the same engine as `make contract`."""

from __future__ import annotations

import dataclasses

from contract_tests.gate import GateOptions, run_gate

UNIT_PHASES = ("examples", "coverage", "fuzzing", "probes")


def test_operation_honours_the_contract(gate_options: GateOptions, operation: str) -> None:
    """Examples, coverage, fuzzing and boundary-probe cases for one operation, every response checked."""
    options = dataclasses.replace(gate_options, operations=(operation,), phases=UNIT_PHASES)
    report = run_gate(options)
    assert report.totals.cases > 0, f"No case was generated for {operation}"
    assert report.ok, report.render()


def test_stateful_sequences_honour_the_contract(gate_options: GateOptions) -> None:
    """Sequences that follow the spec's links (create, then read, change, replace and delete by id)."""
    options = dataclasses.replace(gate_options, phases=("stateful",))
    report = run_gate(options)
    assert report.totals.cases > 0, "The stateful phase generated no sequence: does the spec declare links?"
    assert report.ok, report.render()
