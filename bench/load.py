"""Load and faults against the server `make serve` runs: N users at once, a race, a restart, a lost database.

Scenarios (each starts its own gunicorn, gunicorn.conf.py, on a free port and a fresh database):
  load     N clients, each its own user on its own keep-alive connection, create / patch / put / delete /
           list for T seconds, each keeping a ledger of what the server acknowledged; afterwards every
           user's todos are read back and checked against the ledger (lost or changed writes)
  race     rounds of K PATCHes sent at once with the same If-Match: exactly one must win, the rest 412
  restart  `load` with SIGTERM to the gunicorn master halfway and a new server on the same port and
           database; clients retry through connection errors; then the same check of every write
  db-down  the service with a PostgreSQL URL to a closed port and to one that never answers:
           `/healthz` and API statuses, latency, and whether the body is the error envelope
Prints requests, req/s, p50/p95/p99, the status histogram, 5xx (with SQLite's "database is locked"
counted from the server log), connection errors, client timeouts and lost writes. Rate limiting is off
(RATELIMIT_ENABLED=false: every client registers from 127.0.0.1) and passwords are hashed at the test
cost, so the figures are the todo API's. Timing is only printed; the exit status is 1 when a write was
lost or a race had more than one winner, which no load may excuse.

    .venv/bin/python bench/load.py [--database sqlite|postgres|both] [--scenario all] [--clients 100]
        [--seconds 20] [--workers 4] [--threads 8] [--pg-url postgresql://.../db] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import scenarios  # noqa: E402
from bench.loadgen.server import BENCH_ENVIRONMENT  # noqa: E402
from contract_tests.databases import fresh_postgres_database  # noqa: E402

SCENARIOS = ("load", "race", "restart", "db-down")
PER_DATABASE = ("load", "race", "restart")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="a server to create (and drop) one fresh database per scenario on, named after its database",
    )
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=10.0, help="client timeout per request (a hang)")
    parser.add_argument("--race-rounds", type=int, default=50)
    parser.add_argument("--race-writers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    setup = scenarios.Setup(
        clients=args.clients,
        seconds=args.seconds,
        workers=args.workers,
        threads=args.threads,
        timeout=args.timeout,
        workdir=workdir,
        seed=args.seed,
        race_rounds=args.race_rounds,
        race_writers=args.race_writers,
    )
    chosen = SCENARIOS if args.scenario == "all" else (args.scenario,)
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    results = []
    for database in databases:
        for scenario in (name for name in chosen if name in PER_DATABASE):
            with ExitStack() as stack:
                url = _database_url(stack, database, scenario, args.pg_url, workdir)
                if scenario == "race":
                    result = scenarios.race(setup, url)
                else:
                    result = scenarios.load(setup, url, restart=scenario == "restart")
            results.append({"database": database, **result})
            if not args.json:
                print(render(results[-1], setup), flush=True)
    if "db-down" in chosen:
        results.append({"database": "postgres", **scenarios.db_down(setup)})
        if not args.json:
            print(render(results[-1], setup), flush=True)
    return {"machine": machine(), "settings": settings(setup), "results": results, "logs": str(workdir)}


def _database_url(stack: ExitStack, database: str, scenario: str, pg_url: str, workdir: Path) -> str:
    if database == "sqlite":
        return f"sqlite:///{workdir / f'{scenario}.sqlite3'}"
    prefix = f"{make_url(pg_url).database or 'load'}_bench_{scenario}"
    return stack.enter_context(fresh_postgres_database(pg_url, prefix))


def machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}


def settings(setup: scenarios.Setup) -> dict[str, Any]:
    return {
        "clients": setup.clients,
        "seconds": setup.seconds,
        "workers": setup.workers,
        "threads": setup.threads,
        "client_timeout_s": setup.timeout,
        "server_environment": BENCH_ENVIRONMENT,
    }


def _histogram(counts: dict[Any, int]) -> str:
    return ", ".join(f"{key} x {value}" for key, value in counts.items()) or "none"


def render(result: dict[str, Any], setup: scenarios.Setup) -> str:
    """One scenario's figures as text."""
    name, database = result["scenario"], result["database"]
    if name == "db-down":
        return _render_db_down(result)
    if name == "race":
        return "\n".join(
            (
                f"[{database}] race: {result['rounds']} rounds x {result['writers']} PATCHes with one"
                f" If-Match, {setup.workers} workers x {setup.threads} threads",
                f"  rounds: one winner {result['one_winner']}, no winner {result['no_winner']}, several"
                f" {result['several_winners']}, not started {result['rounds_not_started']};"
                f" winner's write not stored {result['winner_not_stored']}",
                f"  losers: {_histogram(result['loser_statuses'])}",
                f"  5xx {result['server_errors']} (database is locked in the log:"
                f" {result['database_locked']}); PATCH p50 {result['latency_ms']['p50']:.1f} ms,"
                f" p99 {result['latency_ms']['p99']:.1f} ms",
                "",
            )
        )
    latency = result["latency_ms"]
    lines = [
        f"[{database}] {name}: {result['clients_signed_up']}/{result['clients']} clients x"
        f" {result['seconds']:.1f} s, {setup.workers} workers x {setup.threads} threads",
        f"  requests {result['requests']} ({result['req_per_s']:.0f} req/s); latency p50 {latency['p50']:.1f}"
        f" ms, p95 {latency['p95']:.1f} ms, p99 {latency['p99']:.1f} ms",
        f"  {'operation':<10}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    for operation, figures in result["by_operation"].items():
        lines.append(
            f"  {operation:<10}{figures['count']:>8}{figures['p50']:>9.1f}{figures['p95']:>9.1f}"
            f"{figures['p99']:>9.1f}"
        )
    lines += [
        f"  statuses: {_histogram(result['statuses'])}",
        f"  5xx {result['server_errors']} (database is locked in the log: {result['database_locked']});"
        f" connection errors: {_histogram(result['connection_errors'])}; hung clients"
        f" {result['hung_clients']}",
        f"  writes acknowledged {result['acknowledged_writes']}, todos checked {result['todos_checked']},"
        f" LOST {result['lost_writes']} {result['lost_by_kind'] or ''}; users not listable"
        f" {result['users_unlisted']}; unanswered creates that landed {result['unanswered_creates_landed']}",
        f"  unexpected statuses on known todos: {_histogram(result['unexpected_statuses'])};"
        f" list count mismatches {result['list_count_mismatches']}",
        f"  CPU: client {result['client_cpu_percent']:.0f}% of one core, server"
        f" {result['server_cpu_percent']:.0f}% (2 cores = 200%)",
    ]
    if name == "restart":
        lines.append(
            f"  restart: SIGTERM to exit {result['sigterm_to_exit_s']:.2f} s,"
            f" down {result['downtime_s']:.2f} s (until the new server answered);"
            f" longest a client went without a good answer"
            f" {result['max_stall_s']:.2f} s"
        )
    return "\n".join([*lines, ""])


def _render_db_down(result: dict[str, Any]) -> str:
    lines = []
    for case, probes in result["cases"].items():
        lines.append(f"[postgres] db-down, DATABASE_URL to a {case}:")
        lines.append(
            f"  {'probe':<11}{'statuses':<22}{'envelope':>9}{'documented':>12}{'p50 ms':>9}{'max ms':>9}"
        )
        for probe, figures in probes.items():
            lines.append(
                f"  {probe:<11}{_histogram(figures['statuses']):<22}"
                f"{figures['envelope']:>4}/{figures['requests']:<4}{_yes_no(figures['documented']):>12}"
                f"{figures['p50_ms']:>9.1f}{figures['max_ms']:>9.1f}"
            )
    return "\n".join([*lines, ""])


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else "yes" if value else "NO"


def markdown_tables(document: dict[str, Any]) -> str:
    """The README's tables: load and restart, race, db-down."""
    tables = (_load_table(document), _race_table(document), _db_down_table(document))
    return "\n\n".join(table for table in tables if table.count("\n") > 1)  # header and rule only: none


def _race_table(document: dict[str, Any]) -> str:
    rows = [
        "| database | rounds x writers | one winner | no winner | several winners | losers | 5xx (locked) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in document["results"]:
        if result["scenario"] == "race":
            rows.append(
                _row(
                    result["database"],
                    f"{result['rounds']} x {result['writers']}",
                    result["one_winner"],
                    result["no_winner"],
                    result["several_winners"],
                    _histogram(result["loser_statuses"]),
                    f"{result['server_errors']} ({result['database_locked']})",
                )
            )
    return "\n".join(rows)


def _db_down_table(document: dict[str, Any]) -> str:
    rows = [
        "| database URL to a | probe | statuses | error envelope | documented | p50 ms | max ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in document["results"]:
        if result["scenario"] != "db-down":
            continue
        for case, probes in result["cases"].items():
            for probe, figures in probes.items():
                rows.append(
                    _row(
                        case,
                        probe,
                        _histogram(figures["statuses"]),
                        f"{figures['envelope']}/{figures['requests']}",
                        _yes_no(figures["documented"]),
                        f"{figures['p50_ms']:.0f}",
                        f"{figures['max_ms']:.0f}",
                    )
                )
    return "\n".join(rows)


def _load_table(document: dict[str, Any]) -> str:
    rows = [
        "| database | scenario | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx (locked) | conn. errors"
        " | timeouts | longest stall s | lost writes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in document["results"]:
        if result["scenario"] not in ("load", "restart"):
            continue
        latency = result["latency_ms"]
        errors = sum(result["connection_errors"].values())
        rows.append(
            _row(
                result["database"],
                result["scenario"],
                result["requests"],
                f"{result['req_per_s']:.0f}",
                *(f"{latency[cut]:.0f}" for cut in ("p50", "p95", "p99")),
                f"{result['server_errors']} ({result['database_locked']})",
                errors,
                result["client_timeouts"],
                f"{result['max_stall_s']:.1f}",
                f"{result['lost_writes']} of {result['acknowledged_writes']}",
            )
        )
    return "\n".join(rows)


def broken_guarantees(document: dict[str, Any]) -> list[str]:
    """Lost writes and races with several winners: failures whatever the machine's speed."""
    broken = []
    for result in document["results"]:
        where = f"{result['database']} {result['scenario']}"
        if result.get("lost_writes"):
            broken.append(f"{where}: {result['lost_writes']} lost writes {result['lost_by_kind']}")
        if result.get("several_winners") or result.get("winner_not_stored"):
            broken.append(
                f"{where}: {result['several_winners']} rounds with several winners,"
                f" {result['winner_not_stored']} whose winner's write was not stored"
            )
    return broken


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    document = run(args)
    broken = broken_guarantees(document)
    if args.json:
        print(json.dumps({**document, "broken": broken}, indent=2, default=str))
        return 1 if broken else 0
    machine = document["machine"]
    print(
        f"{machine['cores']} cores, load average at the end {machine['load_average_at_end']};"
        f" server environment {BENCH_ENVIRONMENT}; logs in {document['logs']}"
    )
    print(markdown_tables(document))
    for line in broken:
        print(f"BROKEN: {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
