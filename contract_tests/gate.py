"""Run Schemathesis' engine (the one behind `st run`) in-process on the published spec, and judge the run."""

from __future__ import annotations

import os
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.checks import load_all_checks
from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.html import HtmlReportHandler
from schemathesis.cli.commands.run.handlers.junitxml import JunitXMLHandler
from schemathesis.cli.events import LoadingFinished, LoadingStarted
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from contract_tests.auth import AuthHook, build_provider, load_hook
from contract_tests.profiles import DEFAULT_PROFILE, PHASES, Profile, get_profile
from contract_tests.report import EXCERPT_CHARS, Failure, GateReport, OperationCoverage, Totals
from contract_tests.target import AppFactory, Target, resolve_target
from contract_tests.transport import install_wsgi_shim

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
# Hypothesis' example database: failing examples found by one run are replayed first by the next.
# Set explicitly, because with CI=true Hypothesis' `ci` profile would turn the database off.
DEFAULT_EXAMPLE_DATABASE = Path(".hypothesis") / "examples"
JUNIT_NAME = "contract.xml"
HTML_NAME = "contract-html"
SUMMARY_NAME = "contract-summary.json"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(slots=True)
class GateOptions:
    """One gate run. Every field has the default `make contract` uses."""

    app: str | AppFactory | None = None
    spec: str | os.PathLike[str] | None = None
    profile: str = DEFAULT_PROFILE
    seed: int | None = None
    workers: int | None = None
    base_url: str | None = None
    reports_dir: Path | None = None
    require_status_coverage: bool = False
    replay: bool = True
    auth: str | AuthHook | None = None
    database_url: str | None = None
    example_database: Path | None = DEFAULT_EXAMPLE_DATABASE
    # Narrow a run (the pytest entry runs one operation per test): labels such as "GET /api/todos".
    operations: tuple[str, ...] | None = None
    phases: tuple[str, ...] | None = None
    max_examples: int | None = None


def build_config(
    profile: Profile, options: GateOptions, *, seed: int | None = None, phases: tuple[str, ...] | None = None
) -> SchemathesisConfig:
    """contract_tests/schemathesis.toml (checks and their reasons) plus the profile's budgets."""
    data: dict[str, Any] = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    if seed is None:
        seed = options.seed if options.seed is not None else profile.seed
    if seed is not None:
        data["seed"] = seed
    data["workers"] = options.workers or profile.workers
    if options.base_url:
        data["base-url"] = options.base_url
    generation = data.setdefault("generation", {})
    generation["max-examples"] = options.max_examples or profile.max_examples
    generation["database"] = str(options.example_database) if options.example_database else "none"
    phases = phases or options.phases or profile.phases
    data["phases"] = {name: {"enabled": name in phases} for name in PHASES}
    data["phases"]["stateful"]["max-steps"] = profile.stateful_max_steps
    return SchemathesisConfig.from_dict(data)


def load_schema(target: Target, config: SchemathesisConfig) -> Any:
    if target.spec.startswith(("http://", "https://")):
        schema = schemathesis.openapi.from_url(target.spec, config=config)
    else:
        schema = schemathesis.openapi.from_path(target.spec, config=config)
    if target.app is not None:
        schema.app = target.app
    return schema


def run_gate(options: GateOptions | None = None, *, echo: Any = None) -> GateReport:
    """Run the contract gate; `echo` (e.g. `print`) gets progress lines, the report is returned."""
    options = options or GateOptions()
    echo = echo or (lambda *_: None)
    profile = get_profile(options.profile)
    started = time.monotonic()
    install_wsgi_shim()
    load_all_checks()
    target = _target(options)
    try:
        run = _execute(options, profile, target, echo, reports_dir=options.reports_dir)
    finally:
        target.close()
    failures = run.collector.failures()
    if options.replay and failures:
        _replay(options, profile, run, echo)
    report = GateReport(
        profile=profile.name,
        seed=run.seed,
        target=target.description,
        spec=target.spec,
        failures=[found.failure for found in failures],
        errors=run.collector.errors,
        coverage=run.collector.coverage(run.raw_schema, selected=options.operations),
        require_status_coverage=options.require_status_coverage,
        reports=run.reports,
    )
    report.totals = Totals(
        operations=len(report.coverage),
        cases=run.collector.cases,
        requests=run.collector.requests,
        checks_run=run.collector.checks_run,
        failures=len(report.failures),
        flaky=sum(failure.flaky for failure in report.failures),
        errors=len(report.errors),
        seconds=time.monotonic() - started,
    )
    if options.reports_dir is not None:
        summary = options.reports_dir / SUMMARY_NAME
        report.reports["Summary (JSON)"] = str(summary)
        report.write_json(summary)
    return report


def _target(options: GateOptions) -> Target:
    return resolve_target(
        app=options.app, spec=options.spec, base_url=options.base_url, database_url=options.database_url
    )


@dataclass(slots=True)
class _Run:
    collector: _Collector
    seed: int
    raw_schema: dict[str, Any]
    reports: dict[str, str]


def _execute(
    options: GateOptions,
    profile: Profile,
    target: Target,
    echo: Any,
    *,
    reports_dir: Path | None,
    seed: int | None = None,
    phases: tuple[str, ...] | None = None,
) -> _Run:
    """One pass of Schemathesis' engine over the target, its events folded by `_Collector`."""
    config = build_config(profile, options, seed=seed, phases=phases)
    schema = load_schema(target, config)
    if options.operations:
        wanted = set(options.operations)
        schema = schema.include(lambda ctx: ctx.operation.label in wanted)
    hook = load_hook(options.auth)
    if hook is not None and _declares_security(schema.raw_schema):
        schema.auth.providers.append(build_provider(hook, target.client))
    project = schema.config
    run_seed = project.seed
    echo(f"Contract gate: {target.description}; spec {target.spec}; profile {profile.name}, seed {run_seed}")

    collector = _Collector(seed=run_seed, server_exceptions=target.server_exceptions)
    handlers: list[Any] = []
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
    try:
        for event in _event_stream(schema, target):
            ctx.on_event(event)
            collector.on_event(event)
            for handler in handlers:
                handler.handle_event(ctx, event)
            if isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
                echo(f"  phase {event.phase.name.value}: {event.status.value}")
    finally:
        for handler in handlers:
            handler.shutdown(ctx)
    return _Run(collector=collector, seed=run_seed, raw_schema=schema.raw_schema, reports=reports)


def _replay(options: GateOptions, profile: Profile, first: _Run, echo: Any) -> None:
    """Run again with the same seed on a fresh target, up to the last phase that failed.

    A failure the replay finds again is confirmed; one it does not find is kept, marked flaky, with the
    response the replay got for the same operation.
    """
    failures = first.collector.failures()
    failed_phases = {found.failure.phase for found in failures}
    enabled = options.phases or profile.phases
    last = max((PHASES.index(phase) for phase in failed_phases if phase in PHASES), default=len(PHASES) - 1)
    phases = tuple(phase for phase in PHASES[: last + 1] if phase in enabled)
    echo(
        f"  replaying with seed {first.seed} (phases {', '.join(phases)}) "
        f"to confirm {len(failures)} failure(s)"
    )
    target = _target(options)
    try:
        again = _execute(
            options, profile, target, lambda *_: None, reports_dir=None, seed=first.seed, phases=phases
        )
    finally:
        target.close()
    confirmed = {found.key for found in again.collector.failures()}
    for found in failures:
        if found.key in confirmed:
            continue
        found.failure.flaky = True
        response = again.collector.last_response.get((found.failure.operation, found.failure.phase))
        if response is not None:
            found.failure.replay_status_code = response.status_code
            found.failure.replay_excerpt = _excerpt(response)


def _event_stream(schema: Any, target: Target) -> Iterator[events.EngineEvent]:
    """The same events `st run` produces: loading, then the engine's own."""
    loading = LoadingStarted(location=target.spec)
    yield loading
    yield LoadingFinished.from_schema(
        schema, location=target.spec, start_time=loading.timestamp, base_url=schema.get_base_url()
    )
    yield from from_schema(schema).execute()


def _declares_security(raw: dict[str, Any]) -> bool:
    return bool(raw.get("components", {}).get("securitySchemes") or raw.get("securityDefinitions"))


@dataclass(slots=True)
class _Found:
    failure: Failure
    key: tuple[str, str, str]


@dataclass(slots=True)
class _Collector:
    """Folds engine events into failures, status coverage and totals."""

    seed: int
    server_exceptions: set[int] = field(default_factory=set)
    cases: int = 0
    requests: int = 0
    checks_run: int = 0
    errors: list[str] = field(default_factory=list)
    observed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    cases_by_operation: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # The last response each operation got in each phase (what a replay shows for a flaky failure).
    last_response: dict[tuple[str, str], Any] = field(default_factory=dict)
    _found: dict[tuple[str, str, str], _Found] = field(default_factory=dict)

    def on_event(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            self._on_recorder(event.recorder, event.phase.value)
        elif isinstance(event, events.FuzzScenarioFinished):
            self._on_recorder(event.recorder, "fuzzing")
        elif isinstance(event, events.NonFatalError):
            if id(event.value) in self.server_exceptions:
                self._on_server_exception(event)
            else:
                self.errors.append(f"{event.label}: {event.info.format(base_url_is_set=False)}".rstrip())
        elif isinstance(event, events.FatalError):
            self.errors.append(f"Fatal: {event.exception!r}")

    def _on_recorder(self, recorder: Any, phase: str) -> None:
        for case_id, node in recorder.cases.items():
            label = node.value.operation.label
            self.cases += 1
            self.cases_by_operation[label] += 1
            interaction = recorder.interactions.get(case_id)
            if interaction is None or interaction.response is None:
                continue
            self.requests += 1
            self.last_response[(label, phase)] = interaction.response
            # unsupported_method's probes send other methods to the path: their 405 is not this operation's.
            if node.value.method.upper() == node.value.operation.method.upper():
                self.observed[label].add(interaction.response.status_code)
        for case_id, checks in recorder.checks.items():
            self.checks_run += len(checks)
            for check in checks:
                if check.status == Status.FAILURE and check.failure_info is not None:
                    self._on_failure(recorder, case_id, check, phase)

    def _on_failure(self, recorder: Any, case_id: str, check: Any, phase: str) -> None:
        info = check.failure_info
        failure = info.failure
        failing_id = failure.case_id or case_id
        node = recorder.cases.get(failing_id) or recorder.cases[case_id]
        operation = failure.operation or node.value.operation.label
        key = (check.name, operation, f"{type(failure).__name__}:{failure._unique_key}")
        if key in self._found:
            return
        interaction = recorder.interactions.get(failing_id)
        response = interaction.response if interaction is not None else None
        self._found[key] = _Found(
            failure=Failure(
                check=check.name,
                operation=operation,
                title=failure.title,
                message=failure.message,
                curl=info.code_sample,
                status_code=response.status_code if response is not None else None,
                response_excerpt=_excerpt(response),
                phase=phase,
                seed=self.seed,
            ),
            key=key,
        )

    def _on_server_exception(self, event: events.NonFatalError) -> None:
        """An exception that escaped the app is a server error, whatever status a server makes of it."""
        error = event.value
        key = ("not_a_server_error", event.label, f"exception:{type(error).__name__}")
        if key in self._found:
            return
        notes = "\n".join(getattr(error, "__notes__", []))
        curl = notes.split("Reproduce with:", 1)[-1].strip() if "Reproduce with:" in notes else ""
        phase = event.phase.value if event.phase is not None else "unknown"
        self._found[key] = _Found(
            failure=Failure(
                check="not_a_server_error",
                operation=event.label,
                title=f"Unhandled exception in the app: {type(error).__name__}",
                message=str(error)[:EXCERPT_CHARS],
                curl=curl,
                status_code=None,
                response_excerpt="<no response: the app raised>",
                phase=phase,
                seed=self.seed,
            ),
            key=key,
        )

    def failures(self) -> list[_Found]:
        return list(self._found.values())

    def coverage(self, raw: dict[str, Any], selected: tuple[str, ...] | None) -> list[OperationCoverage]:
        rows = []
        for path, item in raw.get("paths", {}).items():
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                label = f"{method.upper()} {path}"
                if selected and label not in selected:
                    continue
                documented = [str(status) for status in operation.get("responses", {})]
                rows.append(
                    OperationCoverage(
                        operation=label,
                        documented=documented,
                        observed=sorted(self.observed.get(label, ())),
                        cases=self.cases_by_operation.get(label, 0),
                    )
                )
        return rows


def _excerpt(response: Any) -> str:
    if response is None:
        return ""
    content = response.content or b""
    text = content[:EXCERPT_CHARS].decode("utf-8", errors="replace")
    return text + ("..." if len(content) > EXCERPT_CHARS else "")
