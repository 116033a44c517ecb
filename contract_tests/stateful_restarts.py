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
fresh Hypothesis data tree, the pool of captured values kept) that runs only the scenarios the suites
before it left, and notes the restarts in one line of the report. Suites that make headway are restarted
until the budget is spent; when several in a row diverge almost at once, the phase's shortfall is an
error of the stateful phase.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.engine import Status, events
from schemathesis.engine.errors import is_inconsistent_replay
from schemathesis.engine.run import PhaseName
from schemathesis.engine.run.stateful import _executor
from schemathesis.generation import stateful
from schemathesis.generation.stateful import STATEFUL_TESTS_LABEL

# A suite that diverges within this many scenarios made no headway; this many of them in a row end the
# phase with an error. Suites that do make headway are restarted until the budget is spent: a healthy API
# whose lists change under Hypothesis diverges every few dozen scenarios, so any fixed number of restarts
# would fail it on a budget large enough.
STALLED_SCENARIOS = 5
MAX_STALLED_SUITES = 3


class InconsistentStatefulGeneration(Exception):
    """The stateful phase stopped short of its budget: Hypothesis' data generation kept diverging."""


@dataclass(slots=True)
class RestartLog:
    """What the stateful phase of one pass went through: its budget, each suite's scenarios, restarts."""

    budget: int = 0
    # Scenarios that ran to their end, of each suite that ended, in order.
    suites: list[int] = field(default_factory=list)
    restarts: int = 0
    stalled: int = 0
    # The scenarios the next suite is to run, set when the gate restarts one; None: Schemathesis' budget.
    remaining: int | None = None
    # Scenarios the running suite has finished.
    suite: int = 0

    @property
    def scenarios(self) -> int:
        return sum(self.suites)

    @property
    def notes(self) -> list[str]:
        """One line for the report when the gate restarted the phase's suites, none otherwise."""
        if not self.restarts:
            return []
        counts = ", ".join(str(count) for count in self.suites)
        return [
            f"stateful: Hypothesis found its data generation inconsistent {self.restarts} time(s) (the API's "
            "state changed between scenarios); the gate started a new suite each time for the scenarios "
            f"left: {self.scenarios} of {self.budget} run, in suites of {counts}"
        ]


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
    run_suite = stateful.run_state_machine_as_test

    def run_rest(factory: Any, *, settings: hypothesis.settings | None = None) -> None:
        if settings is not None and not log.budget:
            log.budget = settings.max_examples
        # A restarted suite runs the budget's remainder: the full budget again would overshoot it, once
        # per restart. Schemathesis' own retries (after new failures) keep their budget.
        if log.remaining is not None and settings is not None:
            settings = hypothesis.settings(settings, max_examples=log.remaining)
            log.remaining = None
        log.suite = 0
        outside = sys.exception()

        # The suite's scenarios, counted as they end, in the unit of `max_examples`: Hypothesis counts a
        # scenario that ran to its end, not one rejected (an unusable operation), overrun or failed, and
        # tears every one of them down, with its exception in flight. Schemathesis' own count
        # (`completed_scenarios`) counts them all and runs on over the suites of a phase.
        class Counted(factory):  # type: ignore[misc, valid-type]
            def teardown(self) -> None:
                if sys.exception() is outside:
                    log.suite += 1
                super().teardown()

        Counted.__name__, Counted.__qualname__ = factory.__name__, factory.__qualname__
        try:
            run_suite(Counted, settings=settings)
        finally:
            log.suites.append(log.suite)

    def classify(exc: Any, *, ctx: Any, engine: Any, state: Any, settings: Any) -> Any:
        status, retry, emitted = original(exc, ctx=ctx, engine=engine, state=state, settings=settings)
        log.budget = log.budget or settings.max_examples
        if not is_inconsistent_generation(exc) or retry or emitted or engine.has_to_stop:
            # Upstream already retries (new failures), reports (a network error) or stops (failure limit,
            # deadline, Ctrl-C): nothing the gate has to add.
            return status, retry, emitted
        if engine.has_reached_the_failure_limit or log.scenarios >= log.budget:
            return status, retry, emitted
        ran = log.suites[-1] if log.suites else 0
        log.stalled = log.stalled + 1 if ran < STALLED_SCENARIOS else 0
        if log.stalled < MAX_STALLED_SUITES:
            log.restarts += 1
            log.remaining = log.budget - log.scenarios
            return status, True, emitted
        error = InconsistentStatefulGeneration(
            f"Hypothesis stopped the stateful phase after {log.scenarios} of its {log.budget} scenarios: "
            f"data generation was inconsistent within {STALLED_SCENARIOS} scenarios in {MAX_STALLED_SUITES} "
            f"suites in a row ({_first_line(exc)})"
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
    stateful.run_state_machine_as_test = run_rest
    try:
        yield log
    finally:
        _executor._classify_suite_error = original
        stateful.run_state_machine_as_test = run_suite
