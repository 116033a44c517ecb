"""One pass of Schemathesis' engine over a freshly built target, its events handed to a list of handlers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.base import EventHandler
from schemathesis.cli.commands.run.handlers.html import HtmlReportHandler
from schemathesis.cli.commands.run.handlers.junitxml import JunitXMLHandler
from schemathesis.cli.events import LoadingFinished, LoadingStarted
from schemathesis.engine import events, from_schema

from contract_tests.auth import StaticProvider, build_provider, load_hook, sign_in_error
from contract_tests.collector import Collector
from contract_tests.config import build_config, load_schema
from contract_tests.plan import GatePlan
from contract_tests.target import Target, resolve_target

JUNIT_NAME = "contract.xml"
HTML_NAME = "contract-html"
SUMMARY_NAME = "contract-summary.json"

Echo = Callable[[str], None]


@dataclass(slots=True)
class PassResult:
    """What one pass saw: its collector, and what it ran against."""

    collector: Collector
    seed: int
    raw_schema: dict[str, Any]
    target: str
    spec: str
    reports: dict[str, str] = field(default_factory=dict)
    # The report's Auth line: empty when the sign-in hook authenticated as usual.
    auth: str = ""
    # What the pass left out, and why (a shard whose operations have no links runs no stateful phase).
    skipped: list[str] = field(default_factory=list)
    # The phases `--max-time` cut short or never let start (empty when the run finished by itself).
    stopped: list[str] = field(default_factory=list)


class Progress(EventHandler[ExecutionContext]):
    """Progress lines for a person: the stateful links found, and each phase's status and time."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo
        self.phase_started = time.time()

    def handle_event(self, ctx: ExecutionContext, event: events.EngineEvent) -> None:
        if isinstance(event, events.PhaseStarted):
            self.phase_started = event.timestamp
            if event.payload is not None and event.phase.is_enabled:
                links = event.payload
                self.echo(
                    f"  stateful links: {links.transitions_total} transitions "
                    f"({links.inferred_transitions} inferred by Schemathesis beyond the spec's links)"
                )
        elif isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
            took = event.timestamp - self.phase_started
            self.echo(f"  phase {event.phase.name.value}: {event.status.value} ({took:.1f} s)")


def build_target(plan: GatePlan) -> Target:
    return resolve_target(
        app=plan.app, spec=plan.spec, base_url=plan.base_url, database_url=plan.database_url
    )


def run_pass(
    plan: GatePlan,
    echo: Echo,
    *,
    reports_dir: Path | None,
    seed: int | None = None,
    phases: tuple[str, ...] | None = None,
    operations: tuple[str, ...] | None = None,
) -> PassResult:
    """Build the target, run the engine on it with the plan's budgets, and dispose of the target.

    `operations` narrows this pass to some of the plan's operations (a part of a multi-process run).
    """
    target = build_target(plan)
    try:
        return _run_on(
            target, plan, echo, reports_dir=reports_dir, seed=seed, phases=phases, operations=operations
        )
    finally:
        target.close()


def _run_on(
    target: Target,
    plan: GatePlan,
    echo: Echo,
    *,
    reports_dir: Path | None,
    seed: int | None,
    phases: tuple[str, ...] | None,
    operations: tuple[str, ...] | None = None,
) -> PassResult:
    config = build_config(plan, seed=seed, phases=phases)
    schema = load_schema(target, config)
    selected = operations if operations is not None else plan.operations
    if selected is not None:
        wanted = set(selected)
        schema = schema.include(lambda ctx: ctx.operation.label in wanted)
    provider, auth = _install_auth(schema, plan, target)
    skipped = _skip_linkless_stateful(schema, plan)
    project = schema.config
    run_seed = project.seed
    echo(
        f"Contract gate: {target.description}; spec {target.spec}; "
        f"profile {plan.profile.name}, seed {run_seed}"
    )

    collector = Collector(seed=run_seed, server_exceptions=target.server_exceptions)
    handlers: list[EventHandler[ExecutionContext]] = [collector, Progress(echo)]
    reports: dict[str, str] = {}
    if reports_dir is not None:
        reports_dir.mkdir(parents=True, exist_ok=True)
        junit = reports_dir / JUNIT_NAME
        html = reports_dir / HTML_NAME
        handlers += [JunitXMLHandler(junit), HtmlReportHandler(html)]
        reports = {"JUnit XML": str(junit), "HTML report": str(html / "index.html")}
    ctx = ExecutionContext(config=project)
    for handler in handlers:
        handler.start(ctx)
    clock = Deadline(plan.deadline)
    try:
        for event in _event_stream(schema, target, clock):
            ctx.on_event(event)
            for handler in handlers:
                handler.handle_event(ctx, event)
    finally:
        clock.cancel()
        for handler in handlers:
            handler.shutdown(ctx)
    collector.server_exceptions = set()
    refused = sign_in_error(provider) if provider is not None else None
    if refused is not None:
        raise refused
    enabled = [name for name in phases or plan.phases if project.phases.get_by_name(name=name).enabled]
    stopped = clock.stopped_phases(collector, tuple(enabled))
    if stopped:
        echo(f"  stopped by --max-time: {', '.join(stopped)} cut short or not started")
    return PassResult(
        collector,
        run_seed,
        schema.raw_schema,
        target.description,
        target.spec,
        reports,
        auth,
        skipped,
        stopped,
    )


class Deadline:
    """`--max-time`: stops the engine's event stream when the run's deadline passes, as Ctrl-C would.

    Schemathesis' own `max-time` is a budget to fill (it repeats fuzzing and stateful until the time is
    spent), so the gate keeps the profile's budgets and only cuts them short: the engine stops between
    cases, reports what it ran, and the handlers write their reports as usual.
    """

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

    def stopped_phases(self, collector: Collector, phases: tuple[str, ...]) -> list[str]:
        """The pass's testing phases that did not finish before the engine was stopped."""
        if not self.fired:
            return []
        return [phase for phase in phases if phase not in collector.finished_phases]


def _skip_linkless_stateful(schema: Any, plan: GatePlan) -> list[str]:
    """A shard whose operations link to none of each other has no stateful sequence to run: skip the phase.

    Left on, Schemathesis reports "Missing Open API links" as an error; in a whole-spec run it stays one.
    """
    stateful = schema.config.phases.stateful
    if plan.shard is None or not stateful.enabled or schema.statistic.transitions.selected:
        return []
    stateful.enabled = False
    return [
        f"stateful phase of shard {plan.shard}: no OpenAPI links between its operations "
        "(the per-operation phases still ran); links to other shards' operations are tested there"
    ]


def _install_auth(schema: Any, plan: GatePlan, target: Target) -> tuple[Any, str]:
    """Give the schema its auth provider; returns the hook's provider (if any) and the report's Auth line.

    Static headers the user gave go on every request, securitySchemes or not: they were asked for.
    """
    declared = declares_security(schema.raw_schema)
    if plan.static_auth is not None:
        schema.auth.providers.append(StaticProvider(plan.static_auth))
        return None, plan.static_auth.describe(declared)
    hook = load_hook(plan.auth)
    if hook is None:
        return None, "none (--auth none)"
    if not declared:
        return None, "the hook is not used: the spec declares no securitySchemes (--header sends one anyway)"
    provider = build_provider(hook, target.client)
    schema.auth.providers.append(provider)
    return provider, ""


def _event_stream(schema: Any, target: Target, clock: Deadline) -> Iterator[events.EngineEvent]:
    """The same events `st run` produces: loading, then the engine's own, stopped at the deadline."""
    loading = LoadingStarted(location=target.spec)
    yield loading
    yield LoadingFinished.from_schema(
        schema, location=target.spec, start_time=loading.timestamp, base_url=schema.get_base_url()
    )
    stream = from_schema(schema).execute()
    clock.arm(stream.stop)
    yield from stream


def declares_security(raw: dict[str, Any]) -> bool:
    return bool(raw.get("components", {}).get("securitySchemes") or raw.get("securityDefinitions"))
