"""One pass of Schemathesis' engine over a freshly built target, its events handed to a list of handlers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.base import EventHandler
from schemathesis.cli.commands.run.handlers.html import HtmlReportHandler
from schemathesis.cli.commands.run.handlers.junitxml import JunitXMLHandler
from schemathesis.cli.events import LoadingFinished, LoadingStarted
from schemathesis.engine import events, from_schema

from contract_tests import applog
from contract_tests.auth import (
    IDENTITIES,
    AuthHook,
    AuthHookError,
    as_sign_in_error,
    build_provider,
    identity_chain,
    load_hook,
    sign_in_error,
)
from contract_tests.clocks import Deadline, PhaseBudgets, PhaseClock
from contract_tests.collector import Collector, excerpt
from contract_tests.config import build_config, load_schema
from contract_tests.credentials import StaticProvider
from contract_tests.oauth2 import PasswordGrant
from contract_tests.plan import GatePlan
from contract_tests.probes import body_limit_of, run_probes
from contract_tests.profiles import ENGINE_PHASES, PROBES
from contract_tests.report import CutShort
from contract_tests.schemes import OAUTH2, choose_scheme, token_path
from contract_tests.signin import CheckedClient
from contract_tests.stateful_restarts import restart_on_inconsistent_generation
from contract_tests.target import Target, describe_error, resolve_target
from contract_tests.transport import RAISED

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
    # The phases `--max-time` cut short or never let start, each with the budget that did it.
    stopped: list[CutShort] = field(default_factory=list)


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


def build_target(plan: GatePlan, *, init_database: bool = True) -> Target:
    return resolve_target(
        app=plan.app,
        spec=plan.spec,
        base_url=plan.base_url,
        database_url=plan.database_url,
        fresh_databases=plan.fresh_databases,
        init_database=init_database,
    )


def run_pass(
    plan: GatePlan,
    echo: Echo,
    *,
    reports_dir: Path | None,
    seed: int | None = None,
    phases: tuple[str, ...] | None = None,
    operations: tuple[str, ...] | None = None,
    init_database: bool = True,
    budgets: PhaseBudgets | None = None,
    charged: tuple[str, ...] | None = None,
) -> PassResult:
    """Build the target, run the engine on it with the plan's budgets, and dispose of the target.

    `operations` narrows this pass to some of the plan's operations (a part of a multi-process run);
    `budgets` are the phases' budgets it shares with the run's other processes (None: a budget of its own),
    `charged` the phases that spend them (None: all it runs).
    """
    target = build_target(plan, init_database=init_database)
    budgets = budgets if budgets is not None else PhaseBudgets(plan.max_time.phases)
    try:
        return _run_on(
            target,
            plan,
            echo,
            reports_dir=reports_dir,
            seed=seed,
            phases=phases,
            operations=operations,
            budgets=budgets,
            charged=charged,
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
    operations: tuple[str, ...] | None,
    budgets: PhaseBudgets,
    charged: tuple[str, ...] | None,
) -> PassResult:
    phases = phases or plan.phases
    RAISED.clear()
    reports: dict[str, str] = {}
    with applog.captured() as log:  # from the first sign-in on, the app's log goes to the report
        opened = open_schema(target, plan, seed=seed, phases=phases, operations=operations)
        schema, skipped = opened.schema, opened.skipped
        project = schema.config
        run_seed = project.seed
        echo(
            f"Contract gate: {target.description}; spec {target.spec}; "
            f"profile {plan.profile.name}, seed {run_seed}"
        )
        collector = Collector(
            seed=run_seed,
            server_exceptions=target.server_exceptions,
            raised=RAISED,
            log=log,
            defective=set(plan.spec_defects),
        )
        clock = Deadline(plan.deadline)
        phase_clock = PhaseClock(budgets, phases if charged is None else charged, clock)
        handlers: list[EventHandler[ExecutionContext]] = [collector, Progress(echo), phase_clock]
        if reports_dir is not None:
            reports_dir.mkdir(parents=True, exist_ok=True)
            junit = reports_dir / JUNIT_NAME
            html = reports_dir / HTML_NAME
            handlers += [JunitXMLHandler(junit), HtmlReportHandler(html)]
            reports = {"JUnit XML": str(junit), "HTML report": str(html / "index.html")}
        ctx = ExecutionContext(config=project)
        for handler in handlers:
            handler.start(ctx)
        try:
            with restart_on_inconsistent_generation() as restarts:
                for event in _event_stream(schema, target, clock, phase_clock):
                    ctx.on_event(event)
                    for handler in handlers:
                        handler.handle_event(ctx, event)
        finally:
            clock.cancel()
            for handler in handlers:
                handler.shutdown(ctx)
        collector.notes += restarts.notes
        probes_stopped = PROBES in phases and clock.passed()
        if PROBES in phases and not probes_stopped:
            phase_clock.begin(PROBES)
            more, probes_stopped = _run_probes(
                schema, target, collector, echo, stop=lambda: clock.passed() or phase_clock.spent(PROBES)
            )
            skipped += more
            phase_clock.end(cut_short=probes_stopped)
    collector.app_log = dict(log.counts)
    collector.app_output = dict(log.output_counts)
    collector.server_exceptions, collector.raised, collector.log = set(), None, None
    RAISED.clear()
    if opened.sign_in is not None:
        collector.add_found(opened.sign_in.found.values())
    refused = sign_in_error(opened.provider) if opened.provider is not None else None
    if refused is not None:  # signed in before the run, then never again: the run's error, not a stop
        collector.errors.append(str(refused))
    enabled = [
        name for name in phases if name in ENGINE_PHASES and project.phases.get_by_name(name=name).enabled
    ]
    own = phase_clock.cut
    by_run = [phase for phase in clock.stopped_phases(collector, enabled) if phase not in own]
    if probes_stopped and PROBES not in own:
        by_run.append(PROBES)
    stopped = [CutShort(phase, plan.max_time.item(phase)) for phase in own]
    stopped += [CutShort(phase, plan.max_time.item()) for phase in by_run]
    for cut in stopped:
        echo(f"  --max-time {cut.budget}: phase {cut.phase} cut short or not started")
    return PassResult(
        collector,
        run_seed,
        schema.raw_schema,
        target.description,
        target.spec,
        reports,
        opened.auth,
        skipped,
        stopped,
    )


@dataclass(slots=True)
class OpenedSchema:
    """The spec loaded for one pass on a target, with what installing its auth decided."""

    schema: Any
    # The hook's provider, if a hook signs in.
    provider: Any
    # The report's Auth line: empty when the hook authenticated as usual.
    auth: str
    skipped: list[str]
    # The client the hook signs in with, holding the sign-in requests that broke the contract.
    sign_in: CheckedClient | None


def open_schema(
    target: Target,
    plan: GatePlan,
    *,
    seed: int | None = None,
    phases: tuple[str, ...] | None = None,
    operations: tuple[str, ...] | None = None,
) -> OpenedSchema:
    """The spec loaded for one pass on `target`: selected operations, auth installed, phases decided."""
    config = build_config(plan, seed=seed, phases=phases)
    schema = load_schema(target, config)
    selected = operations if operations is not None else plan.operations
    if selected is not None:
        wanted = set(selected)
        schema = schema.include(lambda ctx: ctx.operation.label in wanted)
    provider, auth, sign_in = _install_auth(schema, plan, target)
    skipped = _skip_linkless_stateful(schema, plan)
    return OpenedSchema(schema, provider, auth, skipped, sign_in)


def _run_probes(
    schema: Any, target: Target, collector: Collector, echo: Echo, *, stop: Callable[[], bool]
) -> tuple[list[str], bool]:
    """The boundary probes, after Schemathesis' phases, on the same app and with the same auth.

    Returns what could not be probed, and whether `stop` (a spent budget) ended them before the last.
    """
    started = time.monotonic()
    skipped: list[str] = []
    count = 0
    stopped = False
    for result in run_probes(schema, body_limit_of(target.app), excerpt):
        if stop():  # the result in hand was computed past the budget: not recorded, like a case in flight
            stopped = True
            break
        if isinstance(result, str):
            skipped.append(result)
            continue
        count += 1
        collector.record_probe(result)
    failed = sum(1 for found in collector.failures() if found.failure.phase == PROBES)
    seconds = time.monotonic() - started
    collector.add_phase_seconds(PROBES, seconds)
    echo(f"  phase probes: {count} boundary probes, {failed} failing ({seconds:.1f} s)")
    return skipped, stopped


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


def _install_auth(schema: Any, plan: GatePlan, target: Target) -> tuple[Any, str, CheckedClient | None]:
    """Give the schema its auth provider; returns the hook's provider, the Auth line and the sign-in client.

    Credentials the user gave go on every request, securitySchemes or not: they were asked for. So does a
    hook the user named; only the default hook (our own sign-in) stays out of an API that declares none.
    """
    raw = schema.raw_schema
    declared = declares_security(raw)
    given = plan.given_auth
    if given.oauth2 is not None:
        scheme = choose_scheme(raw, f"{OAUTH2}-password", "--oauth2-password-env", given.scheme)
        accounts = dict(zip(IDENTITIES, filter(None, (given.oauth2, given.peer_oauth2)), strict=False))
        path = token_path(str(scheme.token_url), schema.get_base_url())
        grant = PasswordGrant(path, accounts, given.oauth2_scope)
        return _sign_in(schema, target, grant, grant.identities, grant.describe(scheme.name))
    if given.static is not None or given.api_key is not None:
        first, peer = given.static_pair(raw)
        provider: Any = StaticProvider(first)
        if peer is not None:
            provider = identity_chain([provider, StaticProvider(peer)], IDENTITIES)
        schema.auth.providers.append(provider)
        return None, first.describe(declared, peer), None
    hook = load_hook(plan.auth)
    if hook is None:
        return None, "none (--auth none)", None
    if declared:
        return _sign_in(schema, target, hook, IDENTITIES, "")
    if plan.auth == "default":
        line = (
            "none: the spec declares no securitySchemes, so the default sign-in hook is not used "
            "(--auth, --header or --bearer-env send credentials anyway)"
        )
        return None, line, None
    line = (
        f"the hook {_hook_name(plan.auth)} signs in although the spec declares no securitySchemes: its "
        "credentials go on every request, and ignored_auth has no declared scheme to check"
    )
    return _sign_in(schema, target, hook, IDENTITIES, line)


def _hook_error(exc: Exception) -> str:
    """What the hook raised: the gate's own errors say it in words, anything else by type and line."""
    text = str(exc) if isinstance(exc, AuthHookError) else describe_error(exc)
    return text[:300]


def _sign_in(
    schema: Any, target: Target, hook: AuthHook, identities: Sequence[str], line: str
) -> tuple[Any, str, CheckedClient | None]:
    """The hook signs the first identity in before the run.

    When that breaks the contract of the sign-in operations, those failures are the run's and it goes on
    without credentials; when the API answered as documented and the hook still failed, the hook or its
    credentials are wrong, and the gate cannot run (exit 2).
    """
    client = CheckedClient(schema, target.client, seed=schema.config.seed)
    try:
        hook(client, identities[0])
    except Exception as exc:
        if not client.found:
            raise as_sign_in_error(exc) from exc
        line = (
            f"sign-in broke the contract of {client.describe_failures()}, so no credentials were sent and "
            f"operations that need them were tested without; the hook raised {_hook_error(exc)}"
        )
        return None, line, client
    provider = build_provider(hook, client, identities)
    schema.auth.providers.append(provider)
    return provider, line, client


def _hook_name(hook: str | AuthHook) -> str:
    return hook if isinstance(hook, str) else getattr(hook, "__qualname__", type(hook).__qualname__)


def _event_stream(
    schema: Any, target: Target, clock: Deadline, phase_clock: PhaseClock
) -> Iterator[events.EngineEvent]:
    """The same events `st run` produces: loading, then the engine's own, stopped by the clocks."""
    loading = LoadingStarted(location=target.spec)
    yield loading
    yield LoadingFinished.from_schema(
        schema, location=target.spec, start_time=loading.timestamp, base_url=schema.get_base_url()
    )
    stream = from_schema(schema).execute()
    clock.arm(stream.stop)
    phase_clock.attach(stream.stop, stream.stop_event.clear)
    yield from stream


def declares_security(raw: dict[str, Any]) -> bool:
    return bool(raw.get("components", {}).get("securitySchemes") or raw.get("securityDefinitions"))
