"""The clocks that enforce `--max-time` on the engine's event stream: the run's deadline, each phase's budget.

Both stop the engine as Ctrl-C would, between cases, through the stream's stop event. Schemathesis' own
`max-time` is a budget to fill (it repeats fuzzing and stateful until the time is spent), so the gate keeps
the profile's budgets and only cuts them short. A phase's budget ends that phase alone: when the cut
phase has wound down, the stop event is cleared and the engine goes on with its next phase.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.base import EventHandler
from schemathesis.engine import Status, events

from contract_tests.collector import Collector

# How often a running phase's seconds are added to its shared budget (and the budget looked at).
TICK_SECONDS = 0.1


class Deadline:
    """The run's `--max-time SECONDS`: stops the engine's event stream when the run's deadline passes."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.fired = False
        self._timer: threading.Timer | None = None

    def arm(self, stop: Callable[[], None]) -> None:
        """Call `stop` at the deadline (at once when it has passed already)."""
        if self.deadline is None:
            return
        remaining = self.deadline - time.monotonic()

        def fire() -> None:
            self.fired = True
            stop()

        if remaining <= 0:
            fire()
            return
        self._timer = threading.Timer(remaining, fire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def passed(self) -> bool:
        """The deadline has come: what is left (the probes) is not started."""
        return self.fired or (self.deadline is not None and time.monotonic() >= self.deadline)

    def stopped_phases(self, collector: Collector, phases: Sequence[str]) -> list[str]:
        """The pass's testing phases that did not finish before the engine was stopped."""
        if not self.fired:
            return []
        return [phase for phase in phases if phase not in collector.finished_phases]


class PhaseBudgets:
    """`--max-time PHASE=SECONDS`: the seconds each budgeted phase has spent, summed over the run's processes.

    The counters live in shared memory: made before the worker processes fork, every process that runs a
    part of a phase adds to, and stops at, the same total, which is how the report adds phase seconds up.
    """

    def __init__(self, seconds: Mapping[str, float], context: Any = multiprocessing) -> None:
        self.seconds = dict(seconds)
        self._spent = {phase: context.Value("d", 0.0) for phase in self.seconds}

    def charge(self, phase: str, seconds: float) -> float:
        """Add `seconds` to the phase's spending; the seconds it has left (0 when spent)."""
        spent = self._spent[phase]
        with spent.get_lock():
            spent.value += seconds
            return max(self.seconds[phase] - spent.value, 0.0)

    def left(self, phase: str) -> float:
        return self.charge(phase, 0.0)


class PhaseClock(EventHandler[ExecutionContext]):
    """One pass's phases against their budgets, fed the engine's events like any other handler.

    `charged` are the phases this pass spends budget on (the stateful process's repeat of the examples
    phase, which only infers links, is not). A phase is cut when its budget runs out while it runs, or
    when the run's other processes spent it before it started.
    """

    def __init__(self, budgets: PhaseBudgets, charged: Sequence[str], deadline: Deadline) -> None:
        self.budgets = budgets
        self.charged = [phase for phase in charged if phase in budgets.seconds]
        self.deadline = deadline
        # The phases their budget ended, in the order they ran.
        self.cut: list[str] = []
        self._stop: Callable[[], None] = lambda: None
        self._resume: Callable[[], None] = lambda: None
        self._fired: set[str] = set()
        self._running: tuple[str, threading.Event, threading.Thread] | None = None

    def attach(self, stop: Callable[[], None], resume: Callable[[], None]) -> None:
        """The engine's stop, and what undoes it so the engine goes on with its next phase."""
        self._stop, self._resume = stop, resume

    def handle_event(self, ctx: ExecutionContext, event: events.EngineEvent) -> None:
        if isinstance(event, events.PhaseStarted) and event.phase.is_enabled:
            self.begin(event.phase.name.value)
        elif (
            isinstance(event, events.PhaseFinished)
            and self._running is not None
            and self._running[0] == event.phase.name.value
        ):
            # Stopped mid-phase (INTERRUPTED) or before its first case (SKIP): cut; else it ended by itself.
            self.end(cut_short=event.status in (Status.INTERRUPTED, Status.SKIP))

    def shutdown(self, ctx: ExecutionContext) -> None:
        if self._running is not None:
            self.end(cut_short=True)

    def begin(self, phase: str) -> None:
        """Start spending the phase's budget (nothing happens for a phase without one)."""
        if phase not in self.charged or self._running is not None:
            return
        done = threading.Event()
        ticker = threading.Thread(
            target=self._tick, args=(phase, done), name=f"max-time-{phase}", daemon=True
        )
        self._running = (phase, done, ticker)
        ticker.start()

    def end(self, *, cut_short: bool) -> None:
        """The running phase ended; when its budget stopped the engine, let the engine go on."""
        if self._running is None:
            return
        phase, done, ticker = self._running
        done.set()
        ticker.join()
        self._running = None
        if phase not in self._fired:
            return
        if cut_short:
            self.cut.append(phase)
        if not self.deadline.passed():
            self._resume()
            if self.deadline.passed():  # the run's deadline came meanwhile: it stops the run, as it means to
                self._stop()

    def spent(self, phase: str) -> bool:
        """Whether the phase's budget stopped it in this pass (the probes look between two probes)."""
        return phase in self._fired

    def _tick(self, phase: str, done: threading.Event) -> None:
        last = time.monotonic()
        left = self.budgets.left(phase)
        while left > 0:
            if done.wait(min(TICK_SECONDS, left)):
                self.budgets.charge(phase, time.monotonic() - last)
                return
            now = time.monotonic()
            left = self.budgets.charge(phase, now - last)
            last = now
        self._fired.add(phase)
        self._stop()
