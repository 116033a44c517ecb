"""Confirming failures: a failure the gate cannot see again is kept, but marked FLAKY with what came back."""

from __future__ import annotations

from contract_tests.engine import Echo, PassResult, run_pass
from contract_tests.plan import GatePlan
from contract_tests.profiles import PHASES


def confirm(plan: GatePlan, first: PassResult, echo: Echo) -> None:
    """Run again with the same seed on a fresh target, up to the last phase that failed.

    A failure the replay finds again is confirmed; one it does not find is kept, marked flaky, with the
    response the replay got for the same operation.
    """
    failures = first.collector.failures()
    failed_phases = {found.failure.phase for found in failures}
    last = max((PHASES.index(phase) for phase in failed_phases if phase in PHASES), default=len(PHASES) - 1)
    phases = tuple(phase for phase in PHASES[: last + 1] if phase in plan.phases)
    echo(
        f"  replaying with seed {first.seed} (phases {', '.join(phases)}) "
        f"to confirm {len(failures)} failure(s)"
    )
    again = run_pass(plan, lambda *_: None, reports_dir=None, seed=first.seed, phases=phases)
    confirmed = {found.key for found in again.collector.failures()}
    for found in failures:
        if found.key in confirmed:
            continue
        found.failure.flaky = True
        response = again.collector.response_to(found)
        if response is not None:
            found.failure.replay_status_code, found.failure.replay_excerpt = response
