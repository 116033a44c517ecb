"""The gate's own consumer of engine events: failures, status coverage and totals, folded as they come."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schemathesis.cli.commands.run.context import ExecutionContext
from schemathesis.cli.commands.run.handlers.base import EventHandler
from schemathesis.engine import Status, events

from contract_tests.applog import AppLog
from contract_tests.probes import PHASE as PROBE_PHASE
from contract_tests.probes import PROBE_CHECKS, ProbeResult, probe_summary
from contract_tests.profiles import PHASES
from contract_tests.report import EXCERPT_CHARS, Failure, OperationCoverage, PhaseTotals
from contract_tests.resend import SentRequest
from contract_tests.spec_check import CHECK as SPEC_CHECK
from contract_tests.spec_check import DOCUMENT, SpecDefect
from contract_tests.spec_check import PHASE as SPEC_PHASE
from contract_tests.transport import RaisedInApp
from openapi.document import operations

# A curl line longer than this (a probe's megabyte string) is cut: the failure says what the value was.
CURL_CHARS = 600
# Schemathesis' message of an error of its own is cut after this, on its one console line.
ERROR_CHARS = 300
SUMMARY_FIELD = "the JSON summary (error_details)"
# The longest sequence a replay re-sends before the failing request (the stateful phase's steps are 20-50).
MAX_SEQUENCE = 100


@dataclass(slots=True)
class Found:
    """A failure and what identifies it: its dedup key and the exact request that showed it."""

    failure: Failure
    key: tuple[str, str, str]
    request: str = ""
    # The request's parts, so a replay can send exactly it again, and the earlier requests of its sequence.
    replay: SentRequest | None = None
    sequence: list[SentRequest] = field(default_factory=list)


def _sequence(recorder: Any, info: Any, failing_id: str) -> list[SentRequest]:
    """The requests a stateful failure needs before its own: Schemathesis' steps to reproduce it, in order."""
    ids = [
        step.case_id for step in info.steps if step.case_id != failing_id and step.case_id in recorder.cases
    ]
    if not ids:  # no steps recorded: walk up from the failing case through the cases that produced it
        parent = recorder.cases[failing_id].parent_id if failing_id in recorder.cases else None
        while parent is not None and parent in recorder.cases and len(ids) < MAX_SEQUENCE:
            ids.insert(0, parent)
            parent = recorder.cases[parent].parent_id
    return [SentRequest.from_case(recorder.cases[case_id].value) for case_id in ids[-MAX_SEQUENCE:]]


def request_key(request: Any) -> str:
    """What makes two recorded requests the same request: method, URI and body."""
    body = request.body if isinstance(request.body, str) else repr(request.body)
    return f"{request.method} {request.uri} {body}"


def short_curl(curl: str) -> str:
    if len(curl) <= CURL_CHARS:
        return curl
    return curl[:CURL_CHARS] + f"... ({len(curl)} characters; the value is described above)"


def case_request_key(case: Any) -> str:
    """The request key of a case that got no response (the app raised): its method, path and body."""
    body = "" if not hasattr(case, "body") else repr(case.body)[:EXCERPT_CHARS]
    return f"{case.method} {case.formatted_path} {case.query!r} {body}"


def probe_request_key(result: ProbeResult) -> str:
    return case_request_key(result.case)


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
    # What the run did beyond the engine's defaults and the report must say (a restarted stateful suite).
    notes: list[str] = field(default_factory=list)
    observed: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    cases_by_operation: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Responses (status, excerpt) by request, and by operation and phase: what a replay shows when flaky.
    by_request: dict[str, tuple[int, str]] = field(default_factory=dict)
    by_operation: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    # The app's warning-or-worse log lines during the pass, with their counts; set when the pass ends.
    app_log: dict[str, int] = field(default_factory=dict)
    # Live during a pass only (never sent between processes): what the app raised, and logged, by case.
    raised: RaisedInApp | None = None
    log: AppLog | None = None
    _found: dict[tuple[str, str, str], Found] = field(default_factory=dict)
    # Per testing phase: seconds, cases and requests (what the scaling bench and the summary show).
    phases: dict[str, PhaseTotals] = field(default_factory=dict)
    # Testing phases that ran to their end (not skipped, not cut short by --max-time).
    finished_phases: set[str] = field(default_factory=set)
    # The tracebacks of Schemathesis' own errors, by the error's line in `errors`: for the reports only.
    error_details: dict[str, str] = field(default_factory=dict)
    # The app's output to stdout/stderr while answering requests: each distinct line and its count.
    app_output: dict[str, int] = field(default_factory=dict)
    # Operations the spec check found defects in: an error Schemathesis raises on one points at them.
    defective: set[str] = field(default_factory=set)
    _errored: set[tuple[str, str | None]] = field(default_factory=set)
    _phase_started: float = 0.0
    _interrupted: bool = False

    def handle_event(self, ctx: ExecutionContext, event: events.EngineEvent) -> None:
        self.on_event(event)

    def on_event(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.PhaseStarted):
            self._phase_started = event.timestamp
            # A phase its own --max-time budget cut short does not stop the next one from finishing.
            self._interrupted = False
        elif isinstance(event, events.Interrupted):
            self._interrupted = True
        elif isinstance(event, events.PhaseFinished):
            name = event.phase.name.value
            if event.phase.is_enabled and name in PHASES:
                self._phase(name).seconds += event.timestamp - self._phase_started
                if not self._interrupted and event.status != Status.INTERRUPTED:
                    self.finished_phases.add(name)
        elif isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            self._on_recorder(event.recorder, event.phase.value, event.status)
        elif isinstance(event, events.FuzzScenarioFinished):
            self._on_recorder(event.recorder, "fuzzing", event.status)
        elif isinstance(event, events.NonFatalError):
            case = self.raised.case_of(event.value) if self.raised is not None else None
            phase = event.phase.value if event.phase is not None else "unknown"
            if case is not None:
                self._on_app_exception(case, event.value, phase)
            elif id(event.value) in self.server_exceptions:
                self._on_server_exception(event)
            else:
                self._on_engine_error(event)
        elif isinstance(event, events.EngineFinished) and event.payload is not None:
            self.relogins += event.payload.reauth_count
        elif isinstance(event, events.FatalError):
            self.errors.append(f"Fatal: {event.exception!r}")

    def _on_engine_error(self, event: events.NonFatalError) -> None:
        """An error of Schemathesis' own: in words on the console, its traceback kept for the reports.

        Schemathesis raising inside a phase (a spec it cannot read, a bug of its own) names the operation, the
        phase and the exception in one line; the traceback goes to the JSON summary (`error_details`) and
        Schemathesis' HTML report. Errors it explains in words (a schema error, an unsatisfiable schema) stay
        as it writes them.
        """
        info = event.info
        phase = event.phase.value if event.phase is not None else None
        self._errored.add((event.label, phase))
        if not info.has_useful_traceback:
            self.errors.append(f"{event.label}: {info.format(base_url_is_set=False)}".rstrip())
            return
        message = " ".join((info.message or str(event.value)).split())[:ERROR_CHARS]
        where = f" in the {phase} phase" if phase is not None else ""
        line = (
            f"{event.label}: Schemathesis raised {type(event.value).__name__}{where}: {message} "
            f"(the traceback is in {SUMMARY_FIELD} and the HTML report)"
        )
        if event.label in self.defective:
            line += "; the spec check found this operation's spec wrong (see its spec_validity failures)"
        if line not in self.errors:
            self.errors.append(line)
            self.error_details[line] = info.traceback

    def _phase(self, name: str) -> PhaseTotals:
        if name not in self.phases:
            self.phases[name] = PhaseTotals(name)
        return self.phases[name]

    def add_phase_seconds(self, name: str, seconds: float) -> None:
        """Time of a phase the gate runs itself (the probes), which no engine event measures."""
        self._phase(name).seconds += seconds

    def phase_totals(self) -> list[PhaseTotals]:
        """The phases that ran, in the order they run."""
        return [self.phases[name] for name in PHASES if name in self.phases]

    def _on_recorder(self, recorder: Any, phase: str, status: Any = None) -> None:
        totals = self._phase(phase)
        unanswered = []
        explained = False
        for case_id, node in recorder.cases.items():
            label = node.value.operation.label
            self.cases += 1
            totals.cases += 1
            self.cases_by_operation[label] += 1
            interaction = recorder.interactions.get(case_id)
            if interaction is None or interaction.response is None:
                error = self.raised.by_case.get(case_id) if self.raised is not None else None
                if error is not None:
                    explained = True
                    self._on_app_exception(node.value, error, phase)
                else:
                    unanswered.append(node.value)
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
                    explained = True
                    self._on_failure(recorder, case_id, check, phase)
        # An error Schemathesis reported for this operation and phase explains its scenario's ending in error.
        explained = explained or (recorder.label, phase) in self._errored
        if status == Status.ERROR and not explained:
            self._on_unexplained_error(unanswered, phase)

    def _on_unexplained_error(self, unanswered: list[Any], phase: str) -> None:
        """A scenario that ended in error without a failure or a reported error must still be seen."""
        if not unanswered:
            line = f"{phase}: a scenario ended in error before sending any request, and no error was reported"
        else:
            case = unanswered[-1]
            curl = short_curl(case.as_curl_command())
            line = (
                f"{case.operation.label}: a {phase} scenario ended in error at this request, which got no "
                f"response, and no error was reported. Reproduce with:\n    {curl}"
            )
        if line not in self.errors:
            self.errors.append(line)

    def _app_log_for(self, case_id: str | None) -> list[str]:
        return self.log.lines_for(case_id) if self.log is not None and case_id else []

    def _on_app_exception(self, case: Any, error: BaseException, phase: str) -> None:
        """An exception that escaped the app while answering `case`: a server error of its operation."""
        label = case.operation.label
        key = ("not_a_server_error", label, f"exception:{type(error).__name__}")
        existing = self._found.get(key)
        if existing is not None and existing.replay is not None:
            return
        self._found[key] = Found(
            failure=Failure(
                check="not_a_server_error",
                operation=label,
                title=f"Unhandled exception in the app: {type(error).__name__}",
                message=str(error)[:EXCERPT_CHARS],
                curl=short_curl(case.as_curl_command()),
                status_code=None,
                response_excerpt="<no response: the app raised>",
                phase=phase,
                seed=self.seed,
                app_log=self._app_log_for(case.id),
            ),
            key=key,
            request=case_request_key(case),
            replay=SentRequest.from_case(case),
        )

    def _on_failure(self, recorder: Any, case_id: str, check: Any, phase: str) -> None:
        info = check.failure_info
        failure = info.failure
        failing_id = failure.case_id or case_id
        node = recorder.cases.get(failing_id) or recorder.cases[case_id]
        operation = failure.operation or node.value.operation.label
        raised = self.raised.by_case.get(failing_id) if self.raised is not None else None
        if raised is not None:
            # The 500 stands for an exception that escaped the app: one server error, not a wrong status too.
            if check.name != "not_a_server_error":
                return
            key = ("not_a_server_error", operation, f"exception:{type(raised).__name__}")
            title, message = f"Unhandled exception in the app: {type(raised).__name__}", str(raised)
        else:
            key = (check.name, operation, f"{type(failure).__name__}:{failure._unique_key}")
            title, message = failure.title, failure.message
        if key in self._found:
            return
        interaction = recorder.interactions.get(failing_id)
        response = interaction.response if interaction is not None else None
        self._found[key] = Found(
            failure=Failure(
                check=check.name,
                operation=operation,
                title=title,
                message=message[:EXCERPT_CHARS],
                curl=short_curl(info.code_sample),
                status_code=response.status_code if response is not None else None,
                response_excerpt=excerpt(response),
                phase=phase,
                seed=self.seed,
                app_log=self._app_log_for(failing_id),
            ),
            key=key,
            request=request_key(interaction.request) if interaction is not None else "",
            replay=SentRequest.from_case(node.value),
            sequence=_sequence(recorder, info, failing_id),
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

    def record_probe(self, result: ProbeResult) -> None:
        """A boundary probe's request and response, counted and judged like any generated case."""
        label = result.probe.operation
        totals = self._phase(PROBE_PHASE)
        self.cases += 1
        totals.cases += 1
        self.cases_by_operation[label] += 1
        self.checks_run += len(PROBE_CHECKS)
        curl = short_curl(result.case.as_curl_command())
        request = probe_request_key(result)
        summary = probe_summary(result.probe)
        sent = SentRequest.from_case(result.case)
        app_log = self._app_log_for(result.case.id)
        if result.status is not None:
            self.requests += 1
            totals.requests += 1
            self.observed[label].add(result.status)
            self.by_request[request] = (result.status, result.excerpt)
        if result.error is not None:
            error = result.error
            key = ("not_a_server_error", label, f"exception:{type(error).__name__}")
            failure = Failure(
                check="not_a_server_error",
                operation=label,
                title=f"Unhandled exception in the app: {type(error).__name__}",
                message=f"{str(error)[:EXCERPT_CHARS]}\n{summary}",
                curl=curl,
                status_code=None,
                response_excerpt=result.excerpt,
                phase=PROBE_PHASE,
                seed=self.seed,
                app_log=app_log,
            )
            self._found.setdefault(key, Found(failure, key, request, replay=sent))
        for check, found in result.failures:
            key = (check, label, f"{type(found).__name__}:{found._unique_key}")
            failure = Failure(
                check=check,
                operation=label,
                title=found.title,
                message=f"{found.message}\n{summary}".strip(),
                curl=curl,
                status_code=result.status,
                response_excerpt=result.excerpt,
                phase=PROBE_PHASE,
                seed=self.seed,
                app_log=app_log,
            )
            self._found.setdefault(key, Found(failure, key, request, replay=sent))

    def add_found(self, found: Iterable[Found]) -> None:
        """Failures found outside the engine's events (the sign-in's), kept once each like the others."""
        for item in found:
            self._found.setdefault(item.key, item)

    def add_spec_defects(
        self, defects: dict[str, tuple[SpecDefect, ...]], selected: Iterable[str] | None
    ) -> None:
        """The spec check's findings: a failure of each operation they concern, the rest the run's errors."""
        wanted = None if selected is None else set(selected)
        for label, found in defects.items():
            if label == DOCUMENT:
                lines = [f"spec {defect.describe()}" for defect in found]
                self.errors += [line for line in lines if line not in self.errors]
                continue
            if wanted is not None and label not in wanted:
                continue
            for defect in found:
                key = (SPEC_CHECK, label, f"{defect.pointer} {defect.problem}")
                failure = Failure(
                    check=SPEC_CHECK,
                    operation=label,
                    title=f"The spec is wrong at {defect.pointer}",
                    message=f"{defect.problem}.\nFix: {defect.fix}.",
                    curl="",
                    status_code=None,
                    response_excerpt="",
                    phase=SPEC_PHASE,
                    seed=self.seed,
                )
                self._found.setdefault(key, Found(failure, key))
        # The document's defects come first in the report, as they were found before any request.
        order = sorted(self._found, key=lambda key: key[0] != SPEC_CHECK)
        self._found = {key: self._found[key] for key in order}

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
        self.errors += [error for error in other.errors if error not in self.errors]
        for line, details in other.error_details.items():
            self.error_details.setdefault(line, details)
        for line, count in other.app_output.items():
            self.app_output[line] = self.app_output.get(line, 0) + count
        self.notes += other.notes
        for line, count in other.app_log.items():
            self.app_log[line] = self.app_log.get(line, 0) + count
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
