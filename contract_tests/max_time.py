"""`--max-time`: the run's wall-clock budget and the phases' own, read once from what the caller gave.

`300` bounds the whole run; `stateful=60` bounds one phase and the run goes on with the next; items are
repeated or comma-separated (`300,stateful=60`). `clocks.py` enforces what is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from contract_tests.profiles import PHASES

# What the caller may give: seconds, the command line's text, or its repeated items.
MaxTime = float | int | str | Sequence[str]


@dataclass(frozen=True, slots=True)
class TimeBudgets:
    """Seconds for the whole run (None: unbounded) and for single phases, by the gate's phase names."""

    run: float | None = None
    phases: Mapping[str, float] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.run is not None or bool(self.phases)

    def item(self, phase: str | None = None) -> str:
        """The budget as `--max-time` takes it: `300` for the run's, `stateful=60` for a phase's."""
        if phase is None:
            return f"{self.run:g}" if self.run is not None else ""
        return f"{phase}={self.phases[phase]:g}"


def parse_max_time(value: MaxTime | None, run_phases: Sequence[str] = PHASES) -> TimeBudgets:
    """`300`, `stateful=60`, `300,stateful=60` or a list of those; a ValueError says what is wrong.

    `run_phases` are the phases this run runs: a budget for any other phase would never be spent.
    """
    if value is None:
        return TimeBudgets()
    if isinstance(value, int | float):
        return TimeBudgets(run=_seconds(str(value), "--max-time"))
    texts = [value] if isinstance(value, str) else list(value)
    items = [item.strip() for text in texts for item in text.split(",")]
    if not any(items):
        raise ValueError(
            "--max-time needs SECONDS for the run or PHASE=SECONDS for a phase, e.g. 300,stateful=60"
        )
    run: float | None = None
    phases: dict[str, float] = {}
    for item in filter(None, items):
        name, equals, seconds = item.partition("=")
        if not equals:
            if run is not None:
                raise ValueError(f"--max-time gives the run's budget twice ({run:g} and {item}): keep one")
            run = _seconds(item, "--max-time")
            continue
        name = name.strip()
        if name not in PHASES:
            raise ValueError(f"--max-time {item}: unknown phase {name!r}; choose from: {', '.join(PHASES)}")
        if name not in run_phases:
            raise ValueError(
                f"--max-time {item}: this run does not run the {name} phase "
                f"(it runs {', '.join(run_phases)}); drop the budget or add the phase to --phases"
            )
        if name in phases:
            raise ValueError(
                f"--max-time gives the {name} phase two budgets ({phases[name]:g} and {item}): keep one"
            )
        phases[name] = _seconds(seconds, f"--max-time {name}=")
    ordered = {phase: phases[phase] for phase in PHASES if phase in phases}
    return TimeBudgets(run=run, phases=ordered)


def _seconds(text: str, flag: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(
            f"{flag} must be a positive number of seconds, got {text.strip()!r} "
            "(give SECONDS for the run or PHASE=SECONDS for a phase)"
        ) from None
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(f"{flag} must be a positive number of seconds, got {seconds:g}")
    return seconds
