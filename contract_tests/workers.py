"""Process groups: the per-operation phases and the stateful one side by side, each on a fresh app.

Each process builds its own app on a database of its own (a temporary SQLite file, or a new PostgreSQL
database with `--fresh-database`) and prepares it with the app's init command. A database the run was
told to share (`--database-url`) is prepared once, here, before the processes start: two init commands at
once on one database race (CREATE TABLE twice), and one that drops tables would wipe the other's rows.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_tests.clocks import PhaseBudgets
from contract_tests.collector import Collector
from contract_tests.engine import HTML_NAME, JUNIT_NAME, Echo, PassResult, build_target, run_pass
from contract_tests.junit import merge_junit
from contract_tests.plan import GatePlan
from contract_tests.profiles import PHASES
from contract_tests.report import CutShort
from contract_tests.shards import split


def groups(phases: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """Phases that can run in a process of their own: the per-operation phases, and the stateful one.

    Each group starts from a fresh app, so each is deterministic for a given seed on its own.
    """
    unit = tuple(phase for phase in PHASES if phase in phases and phase != "stateful")
    # The stateful process repeats the (cheap) examples phase: links inferred from its responses feed the
    # stateful phase, as they do when both run in one process.
    stateful: tuple[str, ...] = ()
    if "stateful" in phases:
        stateful = ("examples", "stateful") if "examples" in phases else ("stateful",)
    return [(name, group) for name, group in (("unit", unit), ("stateful", stateful)) if group]


# A pass over more operations than this is split (resources kept whole) into parts the processes share:
# a big API's per-operation phases then spread over every core instead of waiting on one process.
UNIT_PART_OPERATIONS = 16


@dataclass(frozen=True, slots=True)
class Job:
    """One pass a worker process runs on a fresh app: its phases, and its operations (None: the plan's)."""

    name: str
    phases: tuple[str, ...]
    operations: tuple[str, ...] | None = None

    @property
    def tested(self) -> tuple[str, ...]:
        """The phases this job tests: the stateful job's examples phase only infers links (see `groups`).

        Only these spend a phase's `--max-time` budget, or count as cut short when this job is.
        """
        if self.name != "stateful":
            return self.phases
        return tuple(phase for phase in self.phases if phase == "stateful")


def jobs(plan: GatePlan) -> list[Job]:
    """The passes of a multi-process run, the stateful one first (it is one pass that cannot be split).

    The per-operation phases of a big API are split by resource into parts of about
    `UNIT_PART_OPERATIONS` operations; each part is deterministic for the seed, whichever process runs it.
    """
    result = []
    for name, phases in groups(plan.phases):
        if name != "unit":
            result.append(Job(name, phases))
            continue
        wanted = plan.operations
        labels = [label for label in plan.labels if wanted is None or label in wanted]
        parts = max(1, -(-len(labels) // UNIT_PART_OPERATIONS))
        if parts == 1:
            result.append(Job(name, phases, plan.operations))
            continue
        chunks = split(labels, parts)
        result += [
            Job(name if index == 0 else f"{name}-{index + 1}", phases, tuple(chunk))
            for index, chunk in enumerate(chunks)
            if chunk
        ]
    # Longest first: the stateful pass, then the parts by size, so the processes finish close together.
    return sorted(result, key=lambda job: (job.name != "stateful", -len(job.operations or ())))


def run_groups(plan: GatePlan, echo: Echo) -> PassResult:
    """All phases in one process, or (workers >= 2) the jobs shared out to that many processes."""
    todo = jobs(plan) if plan.workers >= 2 and _can_fork() else []
    if len(todo) < 2:
        return run_pass(plan, echo, reports_dir=plan.reports_dir)
    # A server (--base-url) has its own database; the in-process app may have been told to share one.
    shared = plan.base_url is None and plan.database_url is not None
    if shared:
        build_target(plan).close()
    context = multiprocessing.get_context("fork")
    # The next job to take: each process takes one when it is done with the last, until none is left.
    taken = context.Value("i", 0)
    # A phase's budget is spent by all the processes that run a part of it, together.
    budgets = PhaseBudgets(plan.max_time.phases, context)
    children = []
    for number in range(min(plan.workers, len(todo))):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child,
            args=(sender, plan, echo, todo, taken, not shared, budgets),
            name=f"contract-gate-{number + 1}",
        )
        process.start()
        sender.close()
        children.append((process, receiver))
    done: dict[int, PassResult] = {}
    for process, receiver in children:
        try:
            outcome = receiver.recv()
        except EOFError:
            outcome = RuntimeError(f"A process of the gate died (exit code {process.exitcode}).")
        process.join()
        if isinstance(outcome, BaseException):
            raise outcome
        done.update(outcome)
    # The per-operation parts first, then the stateful pass, whichever process ran each: the merged report
    # does not depend on timing.
    order = sorted(done, key=lambda index: (todo[index].name == "stateful", index))
    merged = merge_passes([done[index] for index in order], plan.reports_dir)
    # What --max-time cut short: the phases of jobs stopped, and those of jobs the run's deadline left
    # unstarted, but not the examples phase the stateful job repeats only to infer links.
    never = [
        CutShort(phase, plan.max_time.item())
        for index, job in enumerate(todo)
        if index not in done
        for phase in job.tested
    ]
    cut = [
        stop
        for index, job in enumerate(todo)
        if index in done
        for stop in done[index].stopped
        if stop.phase in job.tested
    ]
    merged.stopped = ordered_cuts([*cut, *never])
    return merged


def ordered_cuts(cuts: list[CutShort]) -> list[CutShort]:
    """Each (phase, budget) once, in the order the phases run, a phase's own budget before the run's."""
    unique = {(cut.phase, cut.budget): cut for cut in cuts}
    return sorted(unique.values(), key=lambda cut: (PHASES.index(cut.phase), "=" not in cut.budget))


def _can_fork() -> bool:
    # Fork keeps app factories that are closures (they cannot be pickled for a spawned process).
    return "fork" in multiprocessing.get_all_start_methods()


def _child(
    sender: Any,
    plan: GatePlan,
    echo: Echo,
    todo: list[Job],
    taken: Any,
    init_database: bool,
    budgets: PhaseBudgets,
) -> None:
    results: dict[int, PassResult] = {}
    try:
        while True:
            with taken.get_lock():
                index = taken.value
                taken.value += 1
            # Past the deadline a job would only build its app to be stopped at once: leave it, reported.
            if index >= len(todo) or (plan.deadline is not None and time.monotonic() >= plan.deadline):
                break
            job = todo[index]
            reports_dir = plan.reports_dir / f".{job.name}" if plan.reports_dir is not None else None
            results[index] = run_pass(
                plan,
                lambda line, name=job.name: echo(f"[{name}] {line}"),
                reports_dir=reports_dir,
                phases=job.phases,
                operations=job.operations,
                init_database=init_database,
                budgets=budgets,
                charged=job.tested,
            )
        sender.send(results)
    except BaseException as exc:  # the parent re-raises it
        sender.send(exc)
    finally:
        sender.close()


def merge_passes(runs: list[PassResult], reports_dir: Path | None) -> PassResult:
    """One pass out of the groups' passes: counts add up, coverage and failures are united, reports joined."""
    first = runs[0]
    merged = Collector(seed=first.seed)
    for run in runs:
        merged.absorb(run.collector)
    reports: dict[str, str] = {}
    if reports_dir is not None:
        reports = merge_group_reports(reports_dir, [run.reports for run in runs])
    skipped = [line for run in runs for line in run.skipped]
    stopped = ordered_cuts([cut for run in runs for cut in run.stopped])
    return PassResult(
        merged, first.seed, first.raw_schema, first.target, first.spec, reports, first.auth, skipped, stopped
    )


def merge_group_reports(reports_dir: Path, parts: list[dict[str, str]]) -> dict[str, str]:
    """One JUnit file with every group's test cases; each group's HTML report moved next to it."""
    junit = reports_dir / JUNIT_NAME
    merge_junit([Path(part["JUnit XML"]) for part in parts if "JUnit XML" in part], junit)
    reports = {"JUnit XML": str(junit)}
    for part in parts:
        html = Path(part["HTML report"]).parent
        group = html.parent.name.lstrip(".")
        destination = reports_dir / (HTML_NAME if group == "unit" else f"{HTML_NAME}-{group}")
        shutil.rmtree(destination, ignore_errors=True)
        shutil.move(str(html), destination)
        kind = "stateful" if group == "stateful" else "unit"
        part_name = "" if group in ("unit", "stateful") else f", part {group.rpartition('-')[2]}"
        reports[f"HTML report ({kind} phases{part_name})"] = str(destination / "index.html")
        shutil.rmtree(html.parent, ignore_errors=True)
    return reports
