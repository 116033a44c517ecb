"""Inconsistent data generation in the stateful phase: the budget is kept, and the report says so."""

from __future__ import annotations

import itertools
import json
import re
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from hypothesis.errors import FlakyFailure, FlakyStrategyDefinition
from schemathesis.engine import Status, events
from schemathesis.engine.errors import TestingState
from schemathesis.engine.run.stateful import _executor
from schemathesis.engine.run.stateful.context import StatefulContext

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


def test_a_suite_cut_short_is_restarted_and_noted_until_the_budget_is_spent():
    with restart_on_inconsistent_generation() as log:
        status, retry, emitted = _classify(FlakyStrategyDefinition(INCONSISTENT), scenarios=16)
        assert (status, retry, emitted) == (Status.SUCCESS, True, [])
        assert log.scenarios == 16 and log.restarts == 1
        assert "inconsistent after 16 scenarios" in log.notes[0] and "16 of 60" in log.notes[0]
        # The new suite spent the rest of the budget before diverging: nothing left to restart for.
        assert _classify(FlakyStrategyDefinition(INCONSISTENT), scenarios=50)[1] is False
    assert len(log.notes) == 1
    assert _executor._classify_suite_error.__name__ == "_classify_suite_error", "the patch must be undone"


def test_when_the_restarts_run_out_the_shortfall_is_an_error_of_the_stateful_phase(monkeypatch):
    monkeypatch.setattr(stateful_restarts, "MAX_RESTARTS", 1)
    with restart_on_inconsistent_generation():
        assert _classify(FlakyStrategyDefinition(INCONSISTENT), scenarios=5)[1] is True
        status, retry, emitted = _classify(FlakyStrategyDefinition(INCONSISTENT), scenarios=5)
    assert (status, retry) == (Status.ERROR, False)
    [error] = emitted
    assert isinstance(error, events.NonFatalError) and error.phase.value == "stateful"
    assert isinstance(error.value, InconsistentStatefulGeneration)
    assert "after 10 of its 60 scenarios" in str(error.value) and "in 2 suites" in str(error.value)


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
    assert log.notes == []


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
        patch.setattr(stateful_restarts, "MAX_RESTARTS", 0)
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
    # The restarted suites spent the budget the first one left.
    assert report.phases[0].cases > cut_short.phases[0].cases, (report.phases, cut_short.phases)
    stopped = r"after (\d+) of its 120 scenarios"
    ran = [int(n) for error in cut_short.errors for n in re.findall(stopped, error)]
    assert ran and ran[0] < 120
