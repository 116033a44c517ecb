"""Inconsistent data generation in the stateful phase: the budget is kept, and the report says so."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from types import SimpleNamespace
from typing import Any

import hypothesis
import pytest
from flask import Flask
from hypothesis.errors import FlakyFailure, FlakyStrategyDefinition, UnsatisfiedAssumption
from schemathesis.engine import Status, events
from schemathesis.engine.errors import TestingState
from schemathesis.engine.run.stateful import _executor
from schemathesis.engine.run.stateful.context import StatefulContext
from schemathesis.generation import stateful

from contract_tests import GateOptions, run_gate, stateful_restarts
from contract_tests.profiles import PROFILES
from contract_tests.stateful_restarts import (
    InconsistentStatefulGeneration,
    restart_on_inconsistent_generation,
)
from tests.gate.synthetic_app import create_app, openapi_document

INCONSISTENT = "Inconsistent data generation! Data generation behaved differently between test cases."


def _engine(*, stop: bool = False, failure_limit: bool = False) -> SimpleNamespace:
    return SimpleNamespace(has_to_stop=stop, has_reached_the_failure_limit=failure_limit)


def _classify(exc: BaseException, *, scenarios: int, budget: int = 60, **engine: bool) -> tuple:
    ctx = StatefulContext()
    ctx.completed_scenarios = scenarios
    return _executor._classify_suite_error(
        exc,
        ctx=ctx,
        engine=_engine(**engine),
        state=TestingState(),
        settings=SimpleNamespace(max_examples=budget),
    )


def test_schemathesis_alone_ends_the_suite_as_a_pass_without_a_word():
    # The upstream behaviour the gate works around: if this changes, the workaround may go.
    status, retry, emitted = _classify(FlakyStrategyDefinition(INCONSISTENT), scenarios=16)
    assert (status, retry, emitted) == (Status.SUCCESS, False, [])


class _Machine:
    """Stands in for Schemathesis' state machine: Hypothesis tears one down per scenario."""

    def teardown(self) -> None:
        pass


def _suites(monkeypatch, scenarios: list[int]) -> list[int]:
    """Hypothesis' runner, faked: suite i runs `scenarios[i]` scenarios (fewer if its budget is smaller),
    each after a rejected one, and then finds its data generation inconsistent.

    Returns each suite's `max_examples`.
    """
    budgets: list[int] = []

    def hypothesis_run(factory: type, *, settings: hypothesis.settings) -> None:
        budgets.append(settings.max_examples)
        for _ in range(min(scenarios[len(budgets) - 1], settings.max_examples)):
            # Hypothesis tears down a rejected scenario too, its exception in flight; it does not count.
            with contextlib.suppress(UnsatisfiedAssumption):
                machine = factory()
                try:
                    raise UnsatisfiedAssumption
                finally:
                    machine.teardown()
            factory().teardown()
        if len(budgets) < len(scenarios):
            raise FlakyStrategyDefinition(INCONSISTENT)

    monkeypatch.setattr(stateful, "run_state_machine_as_test", hypothesis_run)
    return budgets


def _suite(settings: hypothesis.settings, *, upstream_retry: bool = False, **engine: bool) -> tuple:
    """One suite as Schemathesis' executor runs it: the machine, then its error classified."""
    try:
        stateful.run_state_machine_as_test(_Machine, settings=settings)
    except FlakyStrategyDefinition as exc:
        ctx = StatefulContext()
        # Schemathesis' own count runs on over the suites of a phase: the gate must not trust it.
        ctx.completed_scenarios = 10_000
        if upstream_retry:
            ctx.seen_in_suite.add(("new failure",))
        return _executor._classify_suite_error(
            exc, ctx=ctx, engine=_engine(**engine), state=TestingState(), settings=settings
        )
    return Status.SUCCESS, False, []


def test_a_suite_cut_short_is_restarted_for_the_scenarios_left_until_the_budget_is_spent(monkeypatch):
    budgets = _suites(monkeypatch, [16, 30, 50])
    full = hypothesis.settings(max_examples=60)
    with restart_on_inconsistent_generation() as log:
        assert _suite(full) == (Status.SUCCESS, True, [])
        assert _suite(full) == (Status.SUCCESS, True, [])
        assert _suite(full) == (Status.SUCCESS, False, [])
    # Each restarted suite runs what the ones before it left, never the full budget again.
    assert budgets == [60, 44, 14]
    assert log.suites == [16, 30, 14] and log.scenarios == 60 and log.restarts == 2
    [note] = log.notes
    assert "inconsistent 2 time(s)" in note and "60 of 60 run, in suites of 16, 30, 14" in note
    assert _executor._classify_suite_error.__name__ == "_classify_suite_error", "the patch must be undone"
    assert stateful.run_state_machine_as_test is not None and not log.remaining


def test_a_suite_that_spent_the_budget_before_diverging_is_not_restarted(monkeypatch):
    _suites(monkeypatch, [60, 1])
    with restart_on_inconsistent_generation() as log:
        assert _suite(hypothesis.settings(max_examples=60)) == (Status.SUCCESS, False, [])
    assert log.suites == [60] and log.notes == []


def test_schemathesis_own_retry_keeps_its_budget(monkeypatch):
    budgets = _suites(monkeypatch, [20, 30, 60])
    full = hypothesis.settings(max_examples=60)
    with restart_on_inconsistent_generation() as log:
        # A suite with a new failure is retried by Schemathesis itself, with its own budget.
        assert _suite(full, upstream_retry=True)[1] is True
        assert _suite(full)[1] is True
        _suite(full)
    assert budgets == [60, 60, 10]
    assert log.restarts == 1


def test_suites_that_stall_in_a_row_are_an_error_of_the_stateful_phase(monkeypatch):
    stall = stateful_restarts.STALLED_SCENARIOS - 1
    _suites(monkeypatch, [20, stall, stall, stall, 1])
    full = hypothesis.settings(max_examples=60)
    with restart_on_inconsistent_generation() as log:
        outcomes = [_suite(full) for _ in range(stateful_restarts.MAX_STALLED_SUITES + 1)]
    assert [retry for _, retry, _ in outcomes] == [True] * stateful_restarts.MAX_STALLED_SUITES + [False]
    status, _, emitted = outcomes[-1]
    assert status == Status.ERROR
    [error] = emitted
    assert isinstance(error, events.NonFatalError) and error.phase.value == "stateful"
    assert isinstance(error.value, InconsistentStatefulGeneration)
    ran = 20 + stall * stateful_restarts.MAX_STALLED_SUITES
    assert f"after {ran} of its 60 scenarios" in str(error.value)
    assert f"in {stateful_restarts.MAX_STALLED_SUITES} suites in a row" in str(error.value)
    assert log.scenarios == ran


def test_a_stall_between_suites_that_make_headway_is_forgiven(monkeypatch):
    stall = stateful_restarts.STALLED_SCENARIOS - 1
    scenarios = [stall, stall, 10] * 3 + [60]
    _suites(monkeypatch, scenarios)
    full = hypothesis.settings(max_examples=200)
    with restart_on_inconsistent_generation() as log:
        outcomes = [_suite(full) for _ in scenarios]
    assert all(status == Status.SUCCESS for status, _, _ in outcomes)
    assert log.scenarios == 3 * (2 * stall + 10) + 60 and log.restarts == len(scenarios) - 1


@pytest.mark.parametrize(
    ("exc", "engine"),
    [
        # A failure that did not reproduce is also a Flaky, but not generation's: Schemathesis handles it.
        (FlakyFailure("not reproduced", [AssertionError("boom")]), {}),
        # A stopped run (deadline, Ctrl-C) or the failure limit is not restarted.
        (FlakyStrategyDefinition(INCONSISTENT), {"stop": True}),
        (FlakyStrategyDefinition(INCONSISTENT), {"failure_limit": True}),
    ],
)
def test_other_endings_are_left_to_schemathesis(exc, engine):
    upstream = _classify(exc, scenarios=3, **engine)
    with restart_on_inconsistent_generation() as log:
        assert _classify(exc, scenarios=3, **engine) == upstream
    assert log.notes == [] and log.remaining is None


def _flip_flopping_lists(size: int) -> Flask:
    """The synthetic app, but every other list comes back empty: the API's state as a scenario replayed
    by Hypothesis sees it changes under it, so a link from a list fills an id one time and not the next.

    That makes the inconsistency certain; left to chance it depends on the seed and even on which local
    modules Hypothesis draws constants from (the test runner's imports change them).
    """
    app = create_app(size)
    inner = app.wsgi_app
    calls = itertools.count()

    def flip_flop(environ: dict, start_response: Any) -> Any:
        answered: list[Any] = []
        body = b"".join(
            inner(environ, lambda status, headers, exc_info=None: answered.append((status, headers)))
        )
        status, headers = answered[0]
        listing = environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"].endswith("/")
        if listing and status.startswith("200 ") and next(calls) % 2:
            body = b"[]"
            headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    app.wsgi_app = flip_flop  # type: ignore[method-assign]
    return app


def _gate(tmp_path, size: int) -> object:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(openapi_document(size)), encoding="utf-8")
    return run_gate(
        GateOptions(
            app=lambda: _flip_flopping_lists(size),
            spec=spec,
            profile="ci",
            seed=PROFILES["ci"].seed,
            auth="none",
            phases=("stateful",),
            workers=1,
            replay=False,
            example_database=None,
        )
    )


def test_the_synthetic_api_keeps_its_stateful_budget_and_one_cut_short_for_good_fails(tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(stateful_restarts, "MAX_STALLED_SUITES", 1)
        patch.setattr(stateful_restarts, "STALLED_SCENARIOS", 10_000)
        cut_short = _gate(tmp_path, 20)
    assert not cut_short.ok, (cut_short.errors, cut_short.notes, cut_short.phases)
    assert any("Hypothesis stopped the stateful phase after" in error for error in cut_short.errors), (
        cut_short.errors
    )
    assert "1 errors" in cut_short.render()

    report = _gate(tmp_path, 20)
    assert report.ok, report.render()
    assert report.notes and all("data generation inconsistent" in note for note in report.notes)
    assert any(line.startswith("Note: stateful: Hypothesis") for line in report.render().splitlines())
    assert report.to_dict()["notes"] == report.notes
    [spent] = [int(n) for note in report.notes for n in re.findall(r"(\d+) of 120 run", note)]
    assert spent >= 120, report.notes
    # The restarted suites spent the budget the first one left.
    assert report.phases[0].cases > cut_short.phases[0].cases, (report.phases, cut_short.phases)
    stopped = r"after (\d+) of its 120 scenarios"
    ran = [int(n) for error in cut_short.errors for n in re.findall(stopped, error)]
    assert ran and ran[0] < 120
