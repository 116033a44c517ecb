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
from schemathesis.auths import AuthContext, set_on_case
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.html import HtmlReportHandler
from schemathesis.cli.commands.run.handlers.junitxml import JunitXMLHandler
from schemathesis.cli.events import LoadingFinished, LoadingStarted
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.engine import Status, events, from_schema

from contract_tests.auth import AuthHook, Credentials, build_provider, load_hook
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


def build_config(profile: Profile, options: GateOptions) -> SchemathesisConfig:
    """contract_tests/schemathesis.toml (checks and their reasons) plus the profile's budgets."""
    data: dict[str, Any] = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    seed = options.seed if options.seed is not None else profile.seed
    if seed is not None:
        data["seed"] = seed
    data["workers"] = options.workers or profile.workers
    if options.base_url:
        data["base-url"] = options.base_url
    generation = data.setdefault("generation", {})
    generation["max-examples"] = options.max_examples or profile.max_examples
    generation["database"] = str(options.example_database) if options.example_database else "none"
    phases = options.phases or profile.phases
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
    profile = get_profile(options.profile)
    started = time.monotonic()
    target = resolve_target(
        app=options.app, spec=options.spec, base_url=options.base_url, database_url=options.database_url
    )
    try:
        return _run(options, profile, target, started, echo or (lambda *_: None))
    finally:
        target.close()


def _run(options: GateOptions, profile: Profile, target: Target, started: float, echo: Any) -> GateReport:
    install_wsgi_shim()
    load_all_checks()
    config = build_config(profile, options)
    schema = load_schema(target, config)
    if options.operations:
        wanted = set(options.operations)
        schema = schema.include(lambda ctx: ctx.operation.label in wanted)
    hook = load_hook(options.auth)
    issued = _IssuedCredentials()
    if hook is not None and _declares_security(schema.raw_schema):
        schema.auth.providers.append(build_provider(issued.wrap(hook), target.client))
    project = schema.config
    seed = project.seed
    echo(f"Contract gate: {target.description}; spec {target.spec}; profile {profile.name}, seed {seed}")

    collector = _Collector(seed=seed)
    handlers: list[Any] = []
    reports: dict[str, str] = {}
    if options.reports_dir is not None:
        options.reports_dir.mkdir(parents=True, exist_ok=True)
        junit = options.reports_dir / JUNIT_NAME
        html = options.reports_dir / HTML_NAME
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

    failures = collector.failures()
    if options.replay and failures:
        echo(f"  replaying {len(failures)} failure(s) to tell real ones from flaky ones")
        for found in failures:
            _replay(found, target, issued)
    report = GateReport(
        profile=profile.name,
        seed=seed,
        target=target.description,
        spec=target.spec,
        failures=[found.failure for found in failures],
        errors=collector.errors,
        coverage=collector.coverage(schema.raw_schema, selected=options.operations),
        require_status_coverage=options.require_status_coverage,
        reports=reports,
    )
    report.totals = Totals(
        operations=len(report.coverage),
        cases=collector.cases,
        requests=collector.requests,
        checks_run=collector.checks_run,
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


class _IssuedCredentials:
    """Remembers every header value the hook handed out, so a replay can swap a stale one for a fresh one."""

    def __init__(self) -> None:
        self.values: dict[str, set[str]] = defaultdict(set)
        self.hook: AuthHook | None = None

    def wrap(self, hook: AuthHook) -> AuthHook:
        def remembering(client: Any, identity: str) -> Credentials:
            result = hook(client, identity)
            credentials = result if isinstance(result, Credentials) else Credentials(headers=dict(result))
            for name, value in credentials.headers.items():
                self.values[name.lower()].add(value)
            return credentials

        self.hook = remembering
        return remembering


@dataclass(slots=True)
class _Found:
    failure: Failure
    chain: list[Any]
    case_id: str


@dataclass(slots=True)
class _Collector:
    """Folds engine events into failures, status coverage and totals."""

    seed: int
    cases: int = 0
    requests: int = 0
    checks_run: int = 0
    errors: list[str] = field(default_factory=list)
    observed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    cases_by_operation: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _found: dict[tuple[str, str, str], _Found] = field(default_factory=dict)

    def on_event(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            self._on_recorder(event.recorder, event.phase.value)
        elif isinstance(event, events.FuzzScenarioFinished):
            self._on_recorder(event.recorder, "fuzzing")
        elif isinstance(event, events.NonFatalError):
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
        chain = list(
            recorder.iter_chain_cases(case_id=failing_id, related_case_ids=failure.related_case_ids())
        )
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
            chain=chain,
            case_id=failing_id,
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


def _replay(found: _Found, target: Target, issued: _IssuedCredentials) -> None:
    """Send the failing request again (after the requests it depends on) and re-run its check.

    A failure that does not come back is kept, marked flaky, with both responses.
    """
    kwargs: dict[str, Any] = {"app": target.app} if target.app is not None else {"base_url": target.base_url}
    try:
        check = CHECKS.get_one(found.failure.check)
    except Exception:  # a check that is not registered (run-level) cannot be replayed alone
        return
    response = None
    last = None
    try:
        for case in found.chain:
            _refresh_credentials(case, issued)
            response = case.call(**kwargs)
            last = case
        if last is None or last.id != found.case_id or response is None:
            return
        last.validate_response(response, checks=[check], transport_kwargs=kwargs)
    except FailureGroup:
        return  # reproduced
    except Exception:
        return  # the replay itself broke; keep the failure as found
    found.failure.flaky = True
    found.failure.replay_status_code = response.status_code
    found.failure.replay_excerpt = _excerpt(response)


def _refresh_credentials(case: Any, issued: _IssuedCredentials) -> None:
    """Swap credentials the hook issued during the run (maybe revoked since) for current ones."""
    stale = [name for name, value in case.headers.items() if value in issued.values.get(name.lower(), ())]
    if not stale:
        return
    for name in stale:
        del case.headers[name]
    set_on_case(case, AuthContext(operation=case.operation, app=case.operation.app), None)
