"""Process groups: the per-operation phases and the stateful one side by side, each on a fresh app.

Each process builds its own app on a database of its own (a temporary SQLite file, or a new PostgreSQL
database with `--fresh-database`) and prepares it with the app's init command. A database the run was
told to share (`--database-url`) is prepared once, here, before the processes start: two init commands at
once on one database race (CREATE TABLE twice), and one that drops tables would wipe the other's rows.
"""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path
from typing import Any

from contract_tests.collector import Collector
from contract_tests.engine import HTML_NAME, JUNIT_NAME, Echo, PassResult, build_target, run_pass
from contract_tests.junit import merge_junit
from contract_tests.plan import GatePlan
from contract_tests.profiles import PHASES


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


def run_groups(plan: GatePlan, echo: Echo) -> PassResult:
    """All phases in one process, or (workers >= 2) each group in its own process, on its own core."""
    split = groups(plan.phases)
    if plan.workers < 2 or len(split) < 2 or not _can_fork():
        return run_pass(plan, echo, reports_dir=plan.reports_dir)
    # A server (--base-url) has its own database; the in-process app may have been told to share one.
    shared = plan.base_url is None and plan.database_url is not None
    if shared:
        build_target(plan).close()
    context = multiprocessing.get_context("fork")
    children = []
    for name, phases in split:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child,
            args=(sender, plan, echo, name, phases, not shared),
            name=f"contract-gate-{name}",
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
    return merge_passes(runs, plan.reports_dir)


def _can_fork() -> bool:
    # Fork keeps app factories that are closures (they cannot be pickled for a spawned process).
    return "fork" in multiprocessing.get_all_start_methods()


def _child(
    sender: Any, plan: GatePlan, echo: Echo, name: str, phases: tuple[str, ...], init_database: bool
) -> None:
    reports_dir = plan.reports_dir / f".{name}" if plan.reports_dir is not None else None
    try:
        run = run_pass(
            plan,
            lambda line: echo(f"[{name}] {line}"),
            reports_dir=reports_dir,
            phases=phases,
            init_database=init_database,
        )
        sender.send(run)
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
    return PassResult(
        merged, first.seed, first.raw_schema, first.target, first.spec, reports, first.auth, skipped
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
        reports[f"HTML report ({group} phases)"] = str(destination / "index.html")
        shutil.rmtree(html.parent, ignore_errors=True)
    return reports
