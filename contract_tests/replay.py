"""Confirming failures: the failing request again, then the sequence that led to it; only then FLAKY.

A failure is confirmed when re-sending its exact request to a fresh app fails the same check again
(most bugs: a crash on one input, a wrong status, a dropped field). One that needs the state a run
built up (a deleted todo still readable) is confirmed when a pass with the same seed, which repeats
the same sequence, finds it again. A failure neither shows again is kept, marked flaky, with what the
replay got instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from contract_tests import applog
from contract_tests.collector import Found, excerpt
from contract_tests.engine import Echo, PassResult, build_target, open_schema, run_pass
from contract_tests.plan import GatePlan
from contract_tests.profiles import PHASES
from contract_tests.resend import Resent, resend
from contract_tests.transport import RAISED


def confirm(plan: GatePlan, first: PassResult, echo: Echo) -> None:
    """Re-send each failing request; replay the run's sequences with its seed for the rest."""
    failures = first.collector.failures()
    resendable = [found for found in failures if found.replay is not None]
    resent: dict[tuple[str, str, str], Resent] = {}
    if resendable:
        echo(f"  re-sending the request of {len(resendable)} failure(s) to a fresh app")
        resent = resend_failures(plan, resendable)
    unconfirmed = [found for found in failures if not (found.key in resent and resent[found.key].reproduced)]
    if not unconfirmed:
        return
    failed_phases = {found.failure.phase for found in unconfirmed}
    last = max((PHASES.index(phase) for phase in failed_phases if phase in PHASES), default=len(PHASES) - 1)
    phases = tuple(phase for phase in PHASES[: last + 1] if phase in plan.phases)
    echo(
        f"  replaying with seed {first.seed} (phases {', '.join(phases)}) "
        f"to confirm {len(unconfirmed)} failure(s) that need the run's sequence"
    )
    again = run_pass(plan, lambda *_: None, reports_dir=None, seed=first.seed, phases=phases)
    confirmed = {found.key for found in again.collector.failures()}
    for found in unconfirmed:
        if found.key in confirmed:
            continue
        found.failure.flaky = True
        seen = resent.get(found.key)
        if seen is not None and seen.status_code is not None:
            found.failure.replay_status_code, found.failure.replay_excerpt = seen.status_code, seen.excerpt
            continue
        response = again.collector.response_to(found)
        if response is not None:
            found.failure.replay_status_code, found.failure.replay_excerpt = response


def resend_failures(plan: GatePlan, failures: list[Found]) -> dict[tuple[str, str, str], Resent]:
    """Each failure's exact request, sent once more to a freshly built app, signed in afresh."""
    outcomes: dict[tuple[str, str, str], Resent] = {}
    with fresh_schema(plan) as schema:
        for found in failures:
            assert found.replay is not None
            seen = resend(schema, found.replay, found.failure.check, excerpt)
            if seen is not None:
                outcomes[found.key] = seen
    for found in failures:
        if (found.key in outcomes and outcomes[found.key].reproduced) or not found.sequence:
            continue
        # A request that needs its sequence's state (the todo it reads was created by the step before).
        with fresh_schema(plan) as schema:
            seen = resend(schema, found.replay, found.failure.check, excerpt, before=found.sequence)
        if seen is not None:
            outcomes[found.key] = seen
    return outcomes


@contextmanager
def fresh_schema(plan: GatePlan) -> Iterator[Any]:
    """The spec on a freshly built app, signed in as the run was; the app's log kept off the console."""
    target = build_target(plan)
    try:
        with applog.captured():  # the sign-in too: what the app prints stays off the console
            yield open_schema(target, plan).schema
    finally:
        RAISED.clear()
        target.close()
