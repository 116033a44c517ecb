"""The stateful phase's budget, kept when Hypothesis finds its data generation inconsistent.

Schemathesis builds each step of a scenario from the live responses of the steps before it: a link whose
value resolves from the response (an id in a list, say) fills the parameter, one that does not leaves it to
be drawn. The API's state carries over from one scenario to the next, so when Hypothesis replays the
choices of an earlier scenario, an endpoint that answered an empty list then may answer a full one now,
the step draws something else where it drew before, and Hypothesis raises FlakyStrategyDefinition
("Inconsistent data generation"). Schemathesis 4.32 (`_classify_flaky` in
`schemathesis/engine/run/stateful/_executor.py`) ends the suite there as a pass, with no event: the
phase stops after a fraction of its scenarios and nothing says so.

The gate keeps the budget instead: it starts a new suite (Schemathesis' own retry: a fresh seed and a
fresh Hypothesis data tree, the pool of captured values kept) and notes the restart in the report. When
the restarts run out before the budget is spent, the phase's shortfall is an error of the stateful phase.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.engine import Status, events
from schemathesis.engine.errors import is_inconsistent_replay
from schemathesis.engine.run import PhaseName
from schemathesis.engine.run.stateful import _executor
from schemathesis.generation.stateful import STATEFUL_TESTS_LABEL

# New suites the gate starts after inconsistent generation, per pass; each runs up to the full budget.
MAX_RESTARTS = 5


class InconsistentStatefulGeneration(Exception):
    """The stateful phase stopped short of its budget: Hypothesis' data generation kept diverging."""


@dataclass(slots=True)
class RestartLog:
    """What the stateful phase of one pass went through: scenarios run, restarts, the notes for the report."""

    budget: int = 0
    scenarios: int = 0
    restarts: int = 0
    notes: list[str] = field(default_factory=list)


def is_inconsistent_generation(exc: BaseException) -> bool:
    """Hypothesis' "Inconsistent data generation" (not a failure that did not reproduce, also a Flaky)."""
    return isinstance(exc, FlakyStrategyDefinition) or is_inconsistent_replay(exc)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextmanager
def restart_on_inconsistent_generation() -> Iterator[RestartLog]:
    """Within the block, a stateful suite cut short by inconsistent generation is started again."""
    log = RestartLog()
    original = _executor._classify_suite_error

    def classify(exc: Any, *, ctx: Any, engine: Any, state: Any, settings: Any) -> Any:
        completed = ctx.completed_scenarios
        status, retry, emitted = original(exc, ctx=ctx, engine=engine, state=state, settings=settings)
        log.budget = settings.max_examples
        log.scenarios += completed
        if not is_inconsistent_generation(exc) or retry or emitted or engine.has_to_stop:
            # Upstream already retries (new failures), reports (a network error) or stops (failure limit,
            # deadline, Ctrl-C): nothing the gate has to add.
            return status, retry, emitted
        if engine.has_reached_the_failure_limit or log.scenarios >= log.budget:
            return status, retry, emitted
        if log.restarts < MAX_RESTARTS:
            log.restarts += 1
            log.notes.append(
                f"stateful: Hypothesis found its data generation inconsistent after {completed} scenarios "
                f"of a suite (the API's state changed between scenarios), {log.scenarios} of "
                f"{log.budget} run so far; the gate started a new suite"
            )
            return status, True, emitted
        error = InconsistentStatefulGeneration(
            f"Hypothesis stopped the stateful phase after {log.scenarios} of its {log.budget} scenarios: "
            f"data generation was inconsistent in {log.restarts + 1} suites ({_first_line(exc)})"
        )
        stopped = events.NonFatalError(
            error=error,
            phase=PhaseName.STATEFUL_TESTING,
            label=STATEFUL_TESTS_LABEL,
            related_to_operation=False,
            code_sample=None,
        )
        return Status.ERROR, False, [stopped]

    _executor._classify_suite_error = classify
    try:
        yield log
    finally:
        _executor._classify_suite_error = original
