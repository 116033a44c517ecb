"""The four runs of `bench/load.py`, each against its own gunicorn on a free port and a fresh database."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.ports import free_port

from .client import Client, Recorder, Reply, percentiles
from .server import ROOT, Server
from .workload import Findings, Worker, new_username, sign_up, verify_workers

SIGN_UP_SECONDS = 120
# A log record's first line carries the request ID (app/request_id.py); its traceback lines follow it.
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \w+ \[([^\]]+)\]")


@dataclass(slots=True)
class Setup:
    """How hard to push, the same for every scenario of a run."""

    clients: int
    seconds: float
    workers: int
    threads: int
    timeout: float
    workdir: Path
    seed: int = 0
    race_rounds: int = 50
    race_writers: int = 8


def database_locked(log: str) -> int:
    """Requests SQLite refused with "database is locked" (SQLITE_BUSY), by request ID: a 500 logs it twice."""
    request_ids = set()
    current = None
    for line in log.splitlines():
        record = LOG_RECORD.match(line)
        if record:
            current = record.group(1)
        if "database is locked" in line:
            request_ids.add(current)
    return len(request_ids)


def _server(setup: Setup, database_url: str, name: str) -> Server:
    """A server whose log is named after the database kind and the scenario (one file per run of each)."""
    kind = database_url.split(":", 1)[0].split("+", 1)[0]
    log = setup.workdir / f"{kind}-{name}.log"
    return Server(database_url, free_port(), setup.workers, setup.threads, log)


def _summary(recorder: Recorder, wall: float) -> dict[str, Any]:
    every = [value for values in recorder.latencies.values() for value in values]
    return {
        "requests": recorder.responses,
        "req_per_s": recorder.responses / wall if wall else 0.0,
        "latency_ms": percentiles(every),
        "by_operation": {
            operation: {"count": len(values), **percentiles(values)}
            for operation, values in sorted(recorder.latencies.items())
        },
        "statuses": dict(sorted(recorder.statuses.items())),
        "server_errors": sum(count for status, count in recorder.statuses.items() if status >= 500),
        "connection_errors": dict(recorder.errors),
        "client_timeouts": recorder.errors.get("timeout", 0),
        "max_stall_s": recorder.max_stall,
    }


def load(setup: Setup, database_url: str, *, restart: bool = False) -> dict[str, Any]:
    """N users for T seconds (with a server restart halfway when asked); then every write is checked."""
    name = "restart" if restart else "load"
    server = _server(setup, database_url, name)
    server.start()
    try:
        workers = [
            Worker(Client(server.port, setup.timeout), number, setup.seed * 100_000 + number)
            for number in range(setup.clients)
        ]
        deadline = time.monotonic() + SIGN_UP_SECONDS
        with ThreadPoolExecutor(max_workers=min(32, setup.clients)) as pool:
            signed_up = list(pool.map(lambda w: sign_up(w.client, new_username(w.number), deadline), workers))
        workers = [worker for worker, ok in zip(workers, signed_up, strict=True) if ok]
        for worker in workers:
            worker.client.recorder = Recorder()
        result = _drive(setup, server, workers, restart)
        verdict = verify_workers(server.port, workers)
    finally:
        server.stop()
    findings = Findings()
    recorder = Recorder()
    for worker in workers:
        findings.merge(worker.findings)
        recorder.merge(worker.client.recorder)
        worker.client.close()
    locked = database_locked(server.log_text())
    return {
        "scenario": name,
        "clients": setup.clients,
        "clients_signed_up": len(workers),
        **result,
        **_summary(recorder, result["seconds"]),
        "database_locked": locked,
        "acknowledged_writes": verdict.acknowledged_writes,
        "todos_checked": verdict.todos_checked,
        "lost_writes": verdict.lost + len(findings.problems),
        "lost_by_kind": {
            **verdict.kinds(),
            **({"contradicted": len(findings.problems)} if findings.problems else {}),
        },
        "users_unlisted": verdict.users_unlisted,
        "unanswered_creates_landed": verdict.unanswered_creates_landed,
        "unexpected_statuses": dict(findings.unexpected),
        "list_count_mismatches": findings.list_mismatches,
        "log": str(server.log),
    }


def _drive(setup: Setup, server: Server, workers: list[Worker], restart: bool) -> dict[str, Any]:
    """Run the workers for `setup.seconds`; CPU is sampled around the load, across a restart too."""
    stop = threading.Event()
    threads = [threading.Thread(target=worker.run, args=(stop,), daemon=True) for worker in workers]
    client_cpu, server_cpu, mark = time.process_time(), 0.0, server.cpu_seconds()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    outcome: dict[str, Any] = {}
    if restart:
        time.sleep(setup.seconds / 2)
        server_cpu += server.cpu_seconds() - mark
        signalled = time.monotonic()
        outcome["sigterm_to_exit_s"] = server.terminate()
        server.start()
        outcome["downtime_s"] = time.monotonic() - signalled
        mark = server.cpu_seconds()
        time.sleep(setup.seconds / 2)  # as long again on the new server
    else:
        time.sleep(setup.seconds)
    stop.set()
    wall = time.monotonic() - started
    server_cpu += server.cpu_seconds() - mark
    client_cpu = time.process_time() - client_cpu
    for thread in threads:
        thread.join(timeout=setup.timeout + 5)
    outcome["hung_clients"] = sum(thread.is_alive() for thread in threads)
    return {
        "seconds": wall,
        "client_cpu_percent": 100 * client_cpu / wall,
        "server_cpu_percent": 100 * server_cpu / wall,
        **outcome,
    }


def race(setup: Setup, database_url: str) -> dict[str, Any]:
    """Rounds of K PATCHes sent at once with the same If-Match: exactly one may win, the rest get 412."""
    server = _server(setup, database_url, "race")
    server.start()
    recorder = Recorder()
    rounds: Counter = Counter()
    losers: Counter = Counter()
    winner_not_stored = 0
    try:
        owner = Client(server.port, setup.timeout)
        if not sign_up(owner, new_username(0), time.monotonic() + SIGN_UP_SECONDS):
            raise RuntimeError(f"the race's user could not sign up:\n{server.log_text()[-2000:]}")
        writers = [Client(server.port, setup.timeout, recorder) for _ in range(setup.race_writers)]
        for writer in writers:
            writer.headers = dict(owner.headers)
        barrier = threading.Barrier(len(writers), timeout=setup.timeout * 3)
        with ThreadPoolExecutor(max_workers=len(writers)) as pool:
            for number in range(setup.race_rounds):
                created = owner.request("POST", "/api/todos", {"title": f"race {number}"})
                if created.status != 201:
                    rounds["round not started"] += 1
                    continue
                todo_id, etag = created.body["id"], created.headers["etag"]

                def send(index: int, todo_id: int = todo_id, etag: str = etag, number: int = number) -> Reply:
                    barrier.wait()
                    body = {"title": f"round {number} writer {index}"}
                    return writers[index].request(
                        "PATCH", f"/api/todos/{todo_id}", body, {"If-Match": etag}, operation="patch"
                    )

                replies = list(pool.map(send, range(len(writers))))
                winners = [index for index, reply in enumerate(replies) if reply.status == 200]
                rounds[{0: "no winner", 1: "one winner"}.get(len(winners), "several winners")] += 1
                losers.update(reply.status or reply.error for reply in replies if reply.status != 200)
                if len(winners) == 1:
                    stored = owner.request("GET", f"/api/todos/{todo_id}")
                    expected = f"round {number} writer {winners[0]}"
                    winner_not_stored += stored.status != 200 or stored.body["title"] != expected
        for client in (owner, *writers):
            client.close()
    finally:
        server.stop()
    summary = _summary(recorder, 1.0)
    return {
        "scenario": "race",
        "rounds": setup.race_rounds,
        "writers": setup.race_writers,
        "one_winner": rounds["one winner"],
        "no_winner": rounds["no winner"],
        "several_winners": rounds["several winners"],
        "rounds_not_started": rounds["round not started"],
        "loser_statuses": {str(key): value for key, value in losers.items()},
        "winner_not_stored": winner_not_stored,
        "statuses": summary["statuses"],
        "server_errors": summary["server_errors"],
        "database_locked": database_locked(server.log_text()),
        "latency_ms": summary["latency_ms"],
        "log": str(server.log),
    }


# What each probe sends while the database is unreachable: one public read, two public writes, one
# authenticated read (its token lookup needs the database).
PROBES: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "healthz": ("GET", "/healthz", None),
    "register": ("POST", "/api/auth/register", {"username": "nobody", "password": "correct horse battery"}),
    "login": ("POST", "/api/auth/login", {"username": "nobody", "password": "correct horse battery"}),
    "listTodos": ("GET", "/api/todos", None),
}
# A closed port is refused at once; a port that accepts connections but never answers (a listening
# socket nobody accepts on) is what a hung or firewalled server looks like, and only timeouts bound it.
DOWN_CASES = {"closed port": 10, "unresponsive port": 2}


def db_down(setup: Setup) -> dict[str, Any]:
    """The service with a PostgreSQL URL nobody answers on: what `/healthz` and the API say, and how fast."""
    documented = _documented_statuses()
    cases = {}
    for case, per_probe in DOWN_CASES.items():
        listener = None
        if case == "closed port":
            port = free_port()
        else:
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            port = listener.getsockname()[1]
        server = _server(setup, f"postgresql://postgres@127.0.0.1:{port}/unreachable", case.replace(" ", "-"))
        try:
            server.start(init_db=False)
            cases[case] = _probe(server.port, per_probe, setup.timeout, documented)
        finally:
            if listener is not None:  # resets the connections waiting on it, so the workers can stop
                listener.close()
            server.stop()
    return {"scenario": "db-down", "cases": cases}


def _probe(port: int, per_probe: int, timeout: float, documented: dict[str, list[str]]) -> dict[str, Any]:
    def send(name: str) -> tuple[str, Reply]:
        method, path, body = PROBES[name]
        client = Client(port, timeout)
        if name == "listTodos":
            client.headers = {"Authorization": "Bearer not-a-token-the-database-could-check"}
        try:
            return name, client.request(method, path, body)
        finally:
            client.close()

    names = [name for name in PROBES for _ in range(per_probe)]
    with ThreadPoolExecutor(max_workers=min(16, len(names))) as pool:
        replies = list(pool.map(send, names))
    report = {}
    for name in PROBES:
        mine = [reply for probe, reply in replies if probe == name]
        statuses = Counter(str(reply.status or reply.error) for reply in mine)
        answered = {str(reply.status) for reply in mine if reply.status is not None}
        seconds = [reply.seconds for reply in mine]
        report[name] = {
            "statuses": dict(statuses),
            # None when no HTTP status came back at all (every request timed out or was refused).
            "documented": all(status in documented[name] for status in answered) if answered else None,
            "envelope": sum(_is_envelope(reply) for reply in mine),
            "requests": len(mine),
            "p50_ms": percentiles(seconds)["p50"],
            "max_ms": max(seconds) * 1000,
        }
    return report


def _is_envelope(reply: Reply) -> bool:
    body = reply.body
    return (
        isinstance(body, dict)
        and body.get("code") == reply.status
        and isinstance(body.get("status"), str)
        and isinstance(body.get("message"), str)
    )


def _documented_statuses() -> dict[str, list[str]]:
    """The statuses the published spec lists for each probe's operation."""
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    return {
        name: list(spec["paths"][path][method.lower()]["responses"])
        for name, (method, path, _body) in PROBES.items()
    }
