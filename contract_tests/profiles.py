"""The gate's budgets: one table, read by the CLI, `run_gate` and `pytest contract_tests`."""

from __future__ import annotations

from dataclasses import dataclass

# Schemathesis' phases, in its order; the gate's boundary probes (contract_tests/probes.py) run after them.
ENGINE_PHASES = ("examples", "coverage", "fuzzing", "stateful")
PROBES = "probes"
PHASES = (*ENGINE_PHASES, PROBES)


@dataclass(frozen=True, slots=True)
class Profile:
    """How hard the gate tries; `seed=None` means a fresh random seed for each run.

    `workers` counts processes, never more than the machine's cores: the per-operation phases and the
    stateful phase each get one, each on a fresh app, so the seed alone still decides the run.
    """

    name: str
    description: str
    max_examples: int
    phases: tuple[str, ...]
    stateful_max_steps: int
    workers: int
    seed: int | None


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name="fast",
            description="pre-push: a few examples per operation, every phase, seconds",
            max_examples=10,
            phases=PHASES,
            stateful_max_steps=20,
            workers=1,
            seed=20261130,
        ),
        Profile(
            name="ci",
            description="the default and CI's: seeded, so a given commit always gives the same verdict",
            max_examples=60,
            phases=PHASES,
            stateful_max_steps=20,
            workers=2,
            seed=20261130,
        ),
        Profile(
            name="deep",
            description="nightly: many examples and long stateful sequences, a new random seed each run",
            # Over 10,000 cases a run (10,808 with seed 7): 500 gave about 6,300.
            max_examples=1000,
            phases=PHASES,
            stateful_max_steps=50,
            workers=2,
            seed=None,
        ),
    )
}
DEFAULT_PROFILE = "ci"


def get_profile(name: str) -> Profile:
    """The named profile, or a ValueError that lists the ones that exist."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"Unknown profile {name!r}; choose one of: {', '.join(PROFILES)}") from None
