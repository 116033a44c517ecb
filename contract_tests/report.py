"""What a gate run found: failures a person can act on, status coverage per operation, and totals."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

EXCERPT_CHARS = 600
# The app's most frequent output lines the console shows; the JSON summary has them all (up to 50).
OUTPUT_SHOWN = 5


@dataclass(slots=True)
class Failure:
    """One contract violation: where, which check, what came back, and how to send it again."""

    check: str
    operation: str
    title: str
    message: str
    curl: str
    status_code: int | None
    response_excerpt: str
    phase: str
    seed: int
    flaky: bool = False
    # When the failure did not reproduce on replay: what the replay got instead.
    replay_status_code: int | None = None
    replay_excerpt: str | None = None
    # What the app logged while answering the failing request (its own logging records).
    app_log: list[str] = field(default_factory=list)

    def render(self, index: int) -> str:
        kind = "FLAKY (did not reproduce on replay)" if self.flaky else "FAILED"
        lines = [
            f"{index}. {kind}: {self.operation} [{self.check}] ({self.phase} phase, seed {self.seed})",
            _indent(self.title + ("\n" + self.message if self.message else "")),
        ]
        if self.curl or self.status_code is not None or self.response_excerpt:  # a spec defect has no request
            lines.append(f"   Response ({self.status_code}): {self.response_excerpt or '<empty body>'}")
        if self.flaky:
            lines.append(
                f"   Replay response ({self.replay_status_code}): {self.replay_excerpt or '<empty body>'}"
            )
        if self.app_log:
            lines.append("   The app logged:")
            lines += [f"      {line}" for line in self.app_log]
        if self.curl:
            lines.append("   Reproduce with:")
            lines.append(_indent(self.curl, "      "))
        return "\n".join(lines)


@dataclass(slots=True)
class OperationCoverage:
    """The statuses an operation documents, and the ones the run actually saw."""

    operation: str
    documented: list[str]
    observed: list[int]
    cases: int = 0

    @property
    def missing(self) -> list[str]:
        """Documented statuses (or ranges such as `2XX`) that no response matched."""
        return [
            status for status in self.documented if not any(_matches(status, seen) for seen in self.observed)
        ]

    @property
    def undocumented(self) -> list[int]:
        return [
            seen for seen in self.observed if not any(_matches(status, seen) for status in self.documented)
        ]


def _matches(documented: str, status: int) -> bool:
    if documented == "default":
        return True
    text = str(status)
    return len(documented) == 3 and all(d in ("X", "x", s) for d, s in zip(documented, text, strict=True))


@dataclass(slots=True)
class Totals:
    operations: int = 0
    cases: int = 0
    requests: int = 0
    checks_run: int = 0
    relogins: int = 0
    failures: int = 0
    flaky: int = 0
    errors: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class PhaseTotals:
    """One phase's share of a run: wall seconds (added up over the processes that ran it), cases, requests."""

    phase: str
    seconds: float = 0.0
    cases: int = 0
    requests: int = 0


@dataclass(slots=True)
class CutShort:
    """A phase `--max-time` ended before it finished (or before it started), and the budget that did.

    `budget` is the `--max-time` item as given: the phase's own (`stateful=60`) or the run's (`300`).
    """

    phase: str
    budget: str

    @property
    def by_phase_budget(self) -> bool:
        return "=" in self.budget


@dataclass(slots=True)
class GateReport:
    """The verdict of a run and everything needed to act on it."""

    profile: str
    seed: int
    target: str
    spec: str
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    coverage: list[OperationCoverage] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    require_status_coverage: bool = False
    reports: dict[str, str] = field(default_factory=dict)
    # How the run authenticated, when that is not the sign-in hook as usual (static headers, no auth).
    auth: str = ""
    # The command that runs the same gate again (target, spec, auth, budget, seed); built by run_gate.
    rerun: str = ""
    # "K/N" when the run tested one shard of the operations; shards merged: "1/2+2/2".
    shard: str = ""
    # What the run left out and why, e.g. the stateful phase of a shard without links between its operations.
    skipped: list[str] = field(default_factory=list)
    # What the run did that the engine alone would not have, e.g. a stateful suite restarted (see
    # contract_tests/stateful_restarts.py).
    notes: list[str] = field(default_factory=list)
    # The app's own warning-or-worse log lines during the run, each with its count.
    app_log: list[str] = field(default_factory=list)
    # What the in-process app wrote to stdout/stderr while answering requests: distinct lines with their
    # counts (`12x stdout: ...`), and how many lines in all.
    app_output: list[str] = field(default_factory=list)
    app_output_lines: int = 0
    # The tracebacks of Schemathesis' own errors, by their line in `errors`: in the JSON summary only.
    error_details: dict[str, str] = field(default_factory=dict)
    # Per testing phase, in the order they run: where the run's time and cases went.
    phases: list[PhaseTotals] = field(default_factory=list)
    # Set when `--max-time` cut a phase or the run short: what it cut. Such a run passes on what it tested.
    stopped: str = ""
    # The phases `--max-time` cut short or left unstarted, each with the budget that did.
    cut_short: list[CutShort] = field(default_factory=list)

    @property
    def uncovered(self) -> dict[str, list[str]]:
        """Documented statuses never observed, by operation."""
        return {row.operation: row.missing for row in self.coverage if row.missing}

    @property
    def untested(self) -> list[str]:
        """Operations that got no case at all because `--max-time` cut the run or their phases short."""
        if not self.stopped:
            return []
        return [row.operation for row in self.coverage if row.cases == 0]

    @property
    def ok(self) -> bool:
        """Passed: no failure (flaky ones included), no error, and, when required, every status seen.

        A run `--max-time` cut short (the run's budget or a phase's) passes on what it tested only if it
        tested every operation: an operation it never reached is not vouched for, so the budget is too small
        (or the API needs shards).
        """
        if self.failures or self.errors or self.untested:
            return False
        return not (self.require_status_coverage and self.uncovered)

    def checks_failed(self) -> set[str]:
        return {failure.check for failure in self.failures}

    def coverage_table(self) -> str:
        """A fixed-width table: operation, documented statuses, observed ones, and what is missing."""
        header = ("operation", "cases", "documented", "observed", "never observed")
        rows = [
            (
                row.operation,
                str(row.cases),
                " ".join(row.documented),
                " ".join(str(code) for code in sorted(row.observed)),
                " ".join(row.missing) or "-",
            )
            for row in self.coverage
        ]
        widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
        render = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
        return "\n".join(
            [render(header), render(tuple("-" * w for w in widths)), *map(render, rows)]
        ).rstrip()

    def render(self) -> str:
        """The console summary: failures first, then the coverage table, totals and the verdict."""
        t = self.totals
        out = [
            f"Contract gate: {self.target}",
            f"Spec: {self.spec}",
            f"Profile: {self.profile}, seed {self.seed}" + (f", shard {self.shard}" if self.shard else ""),
        ]
        if self.auth:
            out.append(f"Auth: {self.auth}")
        if self.failures:
            out += ["", f"Failures ({len(self.failures)}):", ""]
            out += [failure.render(i) + "\n" for i, failure in enumerate(self.failures, 1)]
        if self.errors:
            out += ["", f"Errors ({len(self.errors)}):", *(_indent(error) for error in self.errors)]
        if self.app_log:
            out += ["", f"App log (warnings and errors the app logged, {len(self.app_log)} distinct):"]
            out += [f"   {line}" for line in self.app_log]
        if self.app_output_lines:
            out += [
                "",
                f"App output: {self.app_output_lines} line(s) the app wrote to stdout/stderr while answering "
                f"requests ({len(self.app_output)} distinct, most frequent first in the JSON summary's "
                "app_output; a failure shows its request's):",
            ]
            out += [f"   {line}" for line in self.app_output[:OUTPUT_SHOWN]]
        out += ["", "Status coverage (documented vs observed):", self.coverage_table(), ""]
        out.append(
            f"Totals: {t.operations} operations, {t.cases} cases, {t.requests} requests, "
            f"{t.checks_run} checks run, {t.failures} failures ({t.flaky} flaky), {t.errors} errors "
            f"in {t.seconds:.1f} s"
        )
        if self.phases:
            out.append(
                "Phases: " + ", ".join(f"{p.phase} {p.cases} cases in {p.seconds:.1f} s" for p in self.phases)
            )
        out += [f"Skipped: {line}" for line in self.skipped]
        out += [f"Note: {line}" for line in self.notes]
        if self.stopped:
            out.append(f"Stopped: {self.stopped}")
        if t.relogins:
            out.append(
                f"Auth: {t.relogins} requests re-sent after signing in again (a 401 on the cached token)"
            )
        if self.uncovered:
            count = sum(len(missing) for missing in self.uncovered.values())
            effect = (
                "a failure (--require-status-coverage)" if self.require_status_coverage else "not required"
            )
            out.append(f"Documented statuses never observed: {count}; {effect}")
        for name, path in self.reports.items():
            out.append(f"{name}: {path}")
        partial = ""
        if self.untested:
            partial = f" (stopped by --max-time before {len(self.untested)} operation(s) got a case)"
        elif self.cut_short:
            phases = ", ".join(dict.fromkeys(cut.phase for cut in self.cut_short))
            partial = f" (partial: --max-time cut {phases} short)"
        elif self.stopped:
            partial = " (partial: stopped by --max-time)"
        out.append(f"Verdict: {'PASS' if self.ok else 'FAIL'}{partial}")
        if not self.ok and self.failures:
            rerun = self.rerun or f"python -m contract_tests run --profile {self.profile} --seed {self.seed}"
            out.append(f"Reproduce the run: {rerun}")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["untested"] = self.untested
        data["uncovered"] = self.uncovered
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GateReport:
        """A report back from its JSON summary (`to_dict`), e.g. to merge shards' summaries."""
        fields = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        fields["failures"] = [Failure(**failure) for failure in data.get("failures", [])]
        fields["coverage"] = [OperationCoverage(**row) for row in data.get("coverage", [])]
        fields["totals"] = Totals(**data.get("totals", {}))
        fields["phases"] = [PhaseTotals(**phase) for phase in data.get("phases", [])]
        fields["cut_short"] = [CutShort(**cut) for cut in data.get("cut_short", [])]
        return cls(**fields)

    @classmethod
    def read_json(cls, path: Path) -> GateReport:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")


def _indent(text: str, prefix: str = "   ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())
