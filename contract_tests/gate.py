"""Run Schemathesis' engine (the one behind `st run`) in-process on the published spec, and judge the run."""

from __future__ import annotations

import multiprocessing
import os
import shlex
import shutil
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import schemathesis
from schemathesis.checks import load_all_checks
from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.html import HtmlReportHandler
from schemathesis.cli.commands.run.handlers.junitxml import JunitXMLHandler
from schemathesis.cli.events import LoadingFinished, LoadingStarted
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from contract_tests.auth import (
    AuthHook,
    AuthHookError,
    StaticProvider,
    build_provider,
    load_hook,
    sign_in_error,
    static_auth,
)
from contract_tests.profiles import DEFAULT_PROFILE, PHASES, Profile, get_profile
from contract_tests.report import EXCERPT_CHARS, Failure, GateReport, OperationCoverage, Totals
from contract_tests.target import AppFactory, Target, is_url, resolve_target
from contract_tests.transport import install_formats, install_wsgi_shim
from openapi.document import operations

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
# Hypothesis' example database: failing examples found by one run are replayed first by the next.
# Set explicitly, because with CI=true Hypothesis' `ci` profile would turn the database off.
DEFAULT_EXAMPLE_DATABASE = Path(".hypothesis") / "examples"
JUNIT_NAME = "contract.xml"
HTML_NAME = "contract-html"
SUMMARY_NAME = "contract-summary.json"


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
    # Static credentials instead of a hook: "Name: value" headers, and the variable holding a bearer token.
    headers: tuple[str, ...] = ()
    bearer_env: str | None = None
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
    # Schemathesis' thread workers stay at 1: threads make the order of requests, and so the run, depend on
    # timing (and were seen crashing); the gate uses a second core with a second process instead.
    data["workers"] = 1
    if options.base_url:
        data["base-url"] = options.base_url
    generation = data.setdefault("generation", {})
    generation["max-examples"] = options.max_examples or profile.max_examples
    generation["database"] = str(options.example_database) if options.example_database else "none"
    phases = phases or options.phases or profile.phases
    for name in PHASES:
        data.setdefault("phases", {}).setdefault(name, {})["enabled"] = name in phases
    data["phases"]["stateful"]["max-steps"] = profile.stateful_max_steps
    # The example database replays the per-operation phases' failures. Stateful sequences go without one:
    # what they do depends on the app's state, which a stored example cannot bring back.
    data["phases"]["stateful"].setdefault("generation", {})["database"] = "none"
    return SchemathesisConfig.from_dict(data)


def load_schema(target: Target, config: SchemathesisConfig) -> Any:
    """The spec as Schemathesis loads it, with the in-process app attached (requests then never leave)."""
    if is_url(target.spec):
        schema = schemathesis.openapi.from_url(target.spec, config=config)
    else:
        schema = schemathesis.openapi.from_path(target.spec, config=config)
    if target.app is not None:
        schema.app = target.app
    return schema


def run_gate(options: GateOptions | None = None, *, echo: Callable[[str], None] | None = None) -> GateReport:
    """Run the contract gate; `echo` (e.g. `print`) gets progress lines, the report is returned."""
    options = options or GateOptions()
    echo = echo or (lambda *_: None)
    profile = get_profile(options.profile)
    started = time.monotonic()
    install_wsgi_shim()
    install_formats()
    load_all_checks()
    run = _execute_groups(options, profile, echo)
    failures = run.collector.failures()
    if options.replay and failures:
        _replay(options, profile, run, echo)
    report = GateReport(
        profile=profile.name,
        seed=run.seed,
        target=run.target,
        spec=run.spec,
        failures=[found.failure for found in failures],
        errors=run.collector.errors,
        coverage=run.collector.coverage(run.raw_schema, selected=options.operations),
        require_status_coverage=options.require_status_coverage,
        reports=run.reports,
        auth=run.auth,
        rerun=_rerun_command(options, profile, run.seed),
    )
    report.totals = Totals(
        operations=len(report.coverage),
        cases=run.collector.cases,
        requests=run.collector.requests,
        checks_run=run.collector.checks_run,
        relogins=run.collector.relogins,
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


def _rerun_command(options: GateOptions, profile: Profile, seed: int) -> str:
    """The command line of this run: without its --app/--spec/--auth, it would test our app instead."""
    parts = ["python -m contract_tests run", f"--profile {profile.name}", f"--seed {seed}"]
    named = {
        "--app": options.app,
        "--spec": options.spec,
        "--base-url": options.base_url,
        "--auth": options.auth,
        "--bearer-env": options.bearer_env,
        "--max-examples": options.max_examples,
        "--workers": options.workers,
    }
    for flag, value in named.items():
        if isinstance(value, str | int | os.PathLike):  # a callable app or hook has no command line
            parts.append(f"{flag} {shlex.quote(str(value))}")
    # Header values are secrets: the command names the header and leaves its value to the user.
    parts += [f"--header {shlex.quote(header.partition(':')[0] + ': ...')}" for header in options.headers]
    return " ".join(parts)


def _target(options: GateOptions) -> Target:
    return resolve_target(
        app=options.app, spec=options.spec, base_url=options.base_url, database_url=options.database_url
    )


@dataclass(slots=True)
class _Run:
    collector: _Collector
    seed: int
    raw_schema: dict[str, Any]
    target: str
    spec: str
    reports: dict[str, str] = field(default_factory=dict)
    auth: str = ""


def _groups(options: GateOptions, profile: Profile) -> list[tuple[str, tuple[str, ...]]]:
    """Phases that can run in a process of their own: the per-operation phases, and the stateful one.

    Each group starts from a fresh app, so each is deterministic for a given seed on its own.
    """
    enabled = options.phases or profile.phases
    unit = tuple(phase for phase in PHASES if phase in enabled and phase != "stateful")
    # The stateful process repeats the (cheap) examples phase: links inferred from its responses feed the
    # stateful phase, as they do when both run in one process.
    stateful = ("examples", "stateful") if "stateful" in enabled and "examples" in enabled else ("stateful",)
    if "stateful" not in enabled:
        stateful = ()
    return [(name, phases) for name, phases in (("unit", unit), ("stateful", stateful)) if phases]


def _execute_groups(options: GateOptions, profile: Profile, echo: Any) -> _Run:
    """All phases in one process, or (workers >= 2) each group in its own process, on its own core."""
    groups = _groups(options, profile)
    # An explicit --workers is obeyed; a profile's default never asks for more processes than cores.
    workers = options.workers or min(profile.workers, os.cpu_count() or 1)
    if workers < 2 or len(groups) < 2 or not _can_fork():
        return _execute(options, profile, echo, reports_dir=options.reports_dir)
    context = multiprocessing.get_context("fork")
    children = []
    for name, phases in groups:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child, args=(sender, options, profile, echo, name, phases), name=f"contract-gate-{name}"
        )
        process.start()
        sender.close()
        children.append((name, process, receiver))
    runs = []
    for name, process, receiver in children:
        try:
            outcome = receiver.recv()
        except EOFError:
            outcome = RuntimeError(f"The {name} process of the gate died (exit code {process.exitcode}).")
        process.join()
        if isinstance(outcome, BaseException):
            raise outcome
        runs.append(outcome)
    return _merge(runs, options.reports_dir)


def _can_fork() -> bool:
    # Fork keeps app factories that are closures (they cannot be pickled for a spawned process).
    return "fork" in multiprocessing.get_all_start_methods()


def _child(
    sender: Any, options: GateOptions, profile: Profile, echo: Any, name: str, phases: tuple[str, ...]
) -> None:
    reports_dir = options.reports_dir / f".{name}" if options.reports_dir is not None else None
    try:
        run = _execute(
            options, profile, lambda line: echo(f"[{name}] {line}"), reports_dir=reports_dir, phases=phases
        )
        sender.send(run)
    except BaseException as exc:  # the parent re-raises it
        sender.send(exc)
    finally:
        sender.close()


def _merge(runs: list[_Run], reports_dir: Path | None) -> _Run:
    """One run out of the groups' runs: counts add up, coverage and failures are united, reports joined."""
    first = runs[0]
    merged = _Collector(seed=first.seed)
    for run in runs:
        merged.absorb(run.collector)
    reports: dict[str, str] = {}
    if reports_dir is not None:
        reports = _merge_reports(reports_dir, [run.reports for run in runs])
    return _Run(merged, first.seed, first.raw_schema, first.target, first.spec, reports, first.auth)


def _merge_reports(reports_dir: Path, parts: list[dict[str, str]]) -> dict[str, str]:
    """One JUnit file with every group's test cases; each group's HTML report moved next to it."""
    suites = [ElementTree.parse(part["JUnit XML"]).getroot() for part in parts if "JUnit XML" in part]
    merged = suites[0]
    suite = merged.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    for other in suites[1:]:
        for case in other.iter("testcase"):
            existing = cases.get(case.get("name"))
            if existing is None:
                suite.append(case)
                cases[case.get("name")] = case
            elif _failed(case) and not _failed(existing):  # the same operation, failing in the other group
                suite.remove(existing)
                suite.append(case)
                cases[case.get("name")] = case
    seconds = sum(float(case.get("time") or 0) for case in cases.values())
    for element in (merged, suite):
        element.set("tests", str(len(cases)))
        element.set("time", f"{seconds:.6f}")  # not the first group's time alone
        for counter, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            element.set(counter, str(sum(1 for case in cases.values() if case.find(tag) is not None)))
    junit = reports_dir / JUNIT_NAME
    ElementTree.indent(merged)
    ElementTree.ElementTree(merged).write(junit, encoding="utf-8", xml_declaration=True)
    reports = {"JUnit XML": str(junit)}
    for part in parts:
        html = Path(part["HTML report"]).parent
        group = html.parent.name.lstrip(".")
        destination = reports_dir / (HTML_NAME if group == "unit" else f"{HTML_NAME}-{group}")
        shutil.rmtree(destination, ignore_errors=True)
        shutil.move(str(html), destination)
        reports[f"HTML report ({group} phases)"] = str(destination / "index.html")
        shutil.rmtree(html.parent, ignore_errors=True)
    return reports


def _failed(case: ElementTree.Element) -> bool:
    return case.find("failure") is not None or case.find("error") is not None


def _execute(
    options: GateOptions,
    profile: Profile,
    echo: Any,
    *,
    reports_dir: Path | None,
    seed: int | None = None,
    phases: tuple[str, ...] | None = None,
) -> _Run:
    """One pass of Schemathesis' engine over a freshly built target, its events folded by `_Collector`."""
    target = _target(options)
    try:
        return _execute_on(target, options, profile, echo, reports_dir=reports_dir, seed=seed, phases=phases)
    finally:
        target.close()


def _execute_on(
    target: Target,
    options: GateOptions,
    profile: Profile,
    echo: Any,
    *,
    reports_dir: Path | None,
    seed: int | None,
    phases: tuple[str, ...] | None,
) -> _Run:
    config = build_config(profile, options, seed=seed, phases=phases)
    schema = load_schema(target, config)
    if options.operations:
        wanted = set(options.operations)
        schema = schema.include(lambda ctx: ctx.operation.label in wanted)
    provider, auth = _install_auth(schema, options, target)
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
    phase_started = time.time()
    for handler in handlers:
        handler.start(ctx)
    try:
        for event in _event_stream(schema, target):
            ctx.on_event(event)
            collector.on_event(event)
            for handler in handlers:
                handler.handle_event(ctx, event)
            if isinstance(event, events.PhaseStarted):
                phase_started = event.timestamp
                if event.payload is not None and event.phase.is_enabled:
                    links = event.payload
                    echo(
                        f"  stateful links: {links.transitions_total} transitions "
                        f"({links.inferred_transitions} inferred by Schemathesis beyond the spec's links)"
                    )
            elif isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
                took = event.timestamp - phase_started
                echo(f"  phase {event.phase.name.value}: {event.status.value} ({took:.1f} s)")
    finally:
        for handler in handlers:
            handler.shutdown(ctx)
    collector.server_exceptions = set()
    refused = sign_in_error(provider) if provider is not None else None
    if refused is not None:
        raise refused
    return _Run(collector, run_seed, schema.raw_schema, target.description, target.spec, reports, auth)


def _install_auth(schema: Any, options: GateOptions, target: Target) -> tuple[Any, str]:
    """Give the schema its auth provider; returns the hook's provider (if any) and the report's Auth line.

    Static headers the user gave go on every request, securitySchemes or not: they were asked for.
    """
    declared = _declares_security(schema.raw_schema)
    static = static_auth(options.headers, options.bearer_env)
    if static is not None:
        chosen = options.auth or os.environ.get("CONTRACT_AUTH")
        if chosen is not None:
            raise AuthHookError(
                f"--header/--bearer-env replace the auth hook, but one was chosen too ({chosen!r}, from "
                "--auth or CONTRACT_AUTH); drop one of them."
            )
        schema.auth.providers.append(StaticProvider(static))
        return None, static.describe(declared)
    hook = load_hook(options.auth)
    if hook is None:
        return None, "none (--auth none)"
    if not declared:
        return None, "the hook is not used: the spec declares no securitySchemes (--header sends one anyway)"
    provider = build_provider(hook, target.client)
    schema.auth.providers.append(provider)
    return provider, ""


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
    again = _execute(options, profile, lambda *_: None, reports_dir=None, seed=first.seed, phases=phases)
    confirmed = {found.key for found in again.collector.failures()}
    for found in failures:
        if found.key in confirmed:
            continue
        found.failure.flaky = True
        response = again.collector.response_to(found)
        if response is not None:
            found.failure.replay_status_code, found.failure.replay_excerpt = response


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
    request: str = ""


def _request_key(request: Any) -> str:
    body = request.body if isinstance(request.body, str) else repr(request.body)
    return f"{request.method} {request.uri} {body}"


@dataclass(slots=True)
class _Collector:
    """Folds engine events into failures, status coverage and totals."""

    seed: int
    server_exceptions: set[int] = field(default_factory=set)
    cases: int = 0
    requests: int = 0
    checks_run: int = 0
    # Requests replayed after the auth hook signed in again (a 401 on cached credentials, e.g. after logout).
    relogins: int = 0
    errors: list[str] = field(default_factory=list)
    observed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    cases_by_operation: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Responses (status, excerpt) by request, and by operation and phase: what a replay shows when flaky.
    by_request: dict[str, tuple[int, str]] = field(default_factory=dict)
    by_operation: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
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
        elif isinstance(event, events.EngineFinished) and event.payload is not None:
            self.relogins += event.payload.reauth_count
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
            seen = (interaction.response.status_code, _excerpt(interaction.response))
            self.by_request[_request_key(interaction.request)] = seen
            self.by_operation[(label, phase)] = seen
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
            request=_request_key(interaction.request) if interaction is not None else "",
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

    def response_to(self, found: _Found) -> tuple[int, str] | None:
        """The response this run got to the same request, else the operation's last one in that phase."""
        return self.by_request.get(found.request) or self.by_operation.get(
            (found.failure.operation, found.failure.phase)
        )

    def absorb(self, other: _Collector) -> None:
        """Add another process's findings to this one's."""
        self.cases += other.cases
        self.requests += other.requests
        self.checks_run += other.checks_run
        self.relogins += other.relogins
        self.errors += other.errors
        for label, statuses in other.observed.items():
            self.observed[label] |= statuses
        for label, count in other.cases_by_operation.items():
            self.cases_by_operation[label] += count
        self.by_request.update(other.by_request)
        self.by_operation.update(other.by_operation)
        for key, found in other._found.items():
            self._found.setdefault(key, found)

    def coverage(self, raw: dict[str, Any], selected: tuple[str, ...] | None) -> list[OperationCoverage]:
        return [
            OperationCoverage(
                operation=op.label,
                documented=[str(status) for status in op.node.get("responses", {})],
                observed=sorted(self.observed.get(op.label, ())),
                cases=self.cases_by_operation.get(op.label, 0),
            )
            for op in operations(raw)
            if not selected or op.label in selected
        ]


def _excerpt(response: Any) -> str:
    if response is None:
        return ""
    content = response.content or b""
    text = content[:EXCERPT_CHARS].decode("utf-8", errors="replace")
    return text + ("..." if len(content) > EXCERPT_CHARS else "")
