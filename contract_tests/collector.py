"""The gate's own consumer of engine events: failures, status coverage and totals, folded as they come."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.base import EventHandler
from schemathesis.engine import Status, events

from contract_tests.profiles import PHASES
from contract_tests.report import EXCERPT_CHARS, Failure, OperationCoverage, PhaseTotals
from openapi.document import operations


@dataclass(slots=True)
class Found:
    """A failure and what identifies it: its dedup key and the exact request that showed it."""

    failure: Failure
    key: tuple[str, str, str]
    request: str = ""


def request_key(request: Any) -> str:
    """What makes two recorded requests the same request: method, URI and body."""
    body = request.body if isinstance(request.body, str) else repr(request.body)
    return f"{request.method} {request.uri} {body}"


def excerpt(response: Any) -> str:
    """The start of a response body, as text, marked when cut."""
    if response is None:
        return ""
    content = response.content or b""
    text = content[:EXCERPT_CHARS].decode("utf-8", errors="replace")
    return text + ("..." if len(content) > EXCERPT_CHARS else "")


@dataclass(slots=True)
class Collector(EventHandler[ExecutionContext]):
    """Folds engine events into failures, status coverage and totals; one handler among the run's."""

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
    _found: dict[tuple[str, str, str], Found] = field(default_factory=dict)
    # Per testing phase: seconds, cases and requests (what the scaling bench and the summary show).
    phases: dict[str, PhaseTotals] = field(default_factory=dict)
    # Testing phases that ran to their end (not skipped, not cut short by --max-time).
    finished_phases: set[str] = field(default_factory=set)
    _phase_started: float = 0.0
    _interrupted: bool = False

    def handle_event(self, ctx: ExecutionContext, event: events.EngineEvent) -> None:
        self.on_event(event)

    def on_event(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.PhaseStarted):
            self._phase_started = event.timestamp
        elif isinstance(event, events.Interrupted):
            self._interrupted = True
        elif isinstance(event, events.PhaseFinished):
            name = event.phase.name.value
            if event.phase.is_enabled and name in PHASES:
                self._phase(name).seconds += event.timestamp - self._phase_started
                if not self._interrupted and event.status != Status.INTERRUPTED:
                    self.finished_phases.add(name)
        elif isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
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

    def _phase(self, name: str) -> PhaseTotals:
        if name not in self.phases:
            self.phases[name] = PhaseTotals(name)
        return self.phases[name]

    def phase_totals(self) -> list[PhaseTotals]:
        """The phases that ran, in the order they run."""
        return [self.phases[name] for name in PHASES if name in self.phases]

    def _on_recorder(self, recorder: Any, phase: str) -> None:
        totals = self._phase(phase)
        for case_id, node in recorder.cases.items():
            label = node.value.operation.label
            self.cases += 1
            totals.cases += 1
            self.cases_by_operation[label] += 1
            interaction = recorder.interactions.get(case_id)
            if interaction is None or interaction.response is None:
                continue
            self.requests += 1
            totals.requests += 1
            seen = (interaction.response.status_code, excerpt(interaction.response))
            self.by_request[request_key(interaction.request)] = seen
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
        self._found[key] = Found(
            failure=Failure(
                check=check.name,
                operation=operation,
                title=failure.title,
                message=failure.message,
                curl=info.code_sample,
                status_code=response.status_code if response is not None else None,
                response_excerpt=excerpt(response),
                phase=phase,
                seed=self.seed,
            ),
            key=key,
            request=request_key(interaction.request) if interaction is not None else "",
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
        self._found[key] = Found(
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

    def failures(self) -> list[Found]:
        return list(self._found.values())

    def response_to(self, found: Found) -> tuple[int, str] | None:
        """The response this run got to the same request, else the operation's last one in that phase."""
        return self.by_request.get(found.request) or self.by_operation.get(
            (found.failure.operation, found.failure.phase)
        )

    def absorb(self, other: Collector) -> None:
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
        for name, theirs in other.phases.items():
            mine = self._phase(name)
            mine.seconds += theirs.seconds
            mine.cases += theirs.cases
            mine.requests += theirs.requests

    def coverage(self, raw: dict[str, Any], selected: tuple[str, ...] | None) -> list[OperationCoverage]:
        return [
            OperationCoverage(
                operation=op.label,
                documented=[str(status) for status in op.node.get("responses", {})],
                observed=sorted(self.observed.get(op.label, ())),
                cases=self.cases_by_operation.get(op.label, 0),
            )
            for op in operations(raw)
            if selected is None or op.label in selected
        ]
