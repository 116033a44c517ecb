"""The load benchmark's ledger: it passes a real run's writes and catches each kind of lost write."""

from __future__ import annotations

import copy
import threading

import pytest

from bench.load import broken_guarantees
from bench.loadgen.client import Client, Recorder
from bench.loadgen.ledger import GONE, Entry, Ledger, verify
from bench.loadgen.scenarios import database_locked
from bench.loadgen.server import Server
from bench.loadgen.workload import Worker, new_username, sign_up, stored_todos, verify_workers
from tests.ports import free_port

TODO = {
    "id": 1,
    "title": "client 0 write 1",
    "description": None,
    "done": False,
    "priority": "normal",
    "due_at": None,
    "tags": [],
    "created_at": "2026-12-01T00:00:00Z",
    "updated_at": "2026-12-01T00:00:00Z",
}


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Two clients for two seconds against gunicorn on SQLite, the server still up for reading back."""
    workdir = tmp_path_factory.mktemp("load")
    server = Server(f"sqlite:///{workdir / 'load.sqlite3'}", free_port(), 2, 4, workdir / "server.log")
    server.start()
    try:
        workers = [Worker(Client(server.port, timeout=10), number, seed=number) for number in range(2)]
        for worker in workers:
            assert sign_up(worker.client, new_username(worker.number), deadline=float("inf"))
            worker.client.recorder = Recorder()
        stop = threading.Event()
        threads = [threading.Thread(target=worker.run, args=(stop,)) for worker in workers]
        for thread in threads:
            thread.start()
        stop.wait(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        yield server, workers
    finally:
        server.stop()


@pytest.fixture
def stored(ran):
    server, workers = ran
    reader = Client(server.port, timeout=10)
    reader.headers = dict(workers[0].client.headers)
    todos = stored_todos(reader, deadline=float("inf"))
    reader.close()
    return todos


@pytest.mark.slow
def test_a_real_run_acknowledges_writes_and_loses_none(ran):
    server, workers = ran
    verdict = verify_workers(server.port, workers)
    assert verdict.acknowledged_writes > 10, "two clients for two seconds should get many writes answered"
    assert verdict.problems == [], verdict.problems[:3]
    assert sum(worker.client.recorder.statuses[201] for worker in workers) > 0


def _tampered(workers, change):
    ledger = copy.deepcopy(workers[0].ledger)
    live = [todo_id for todo_id, entry in ledger.todos.items() if entry.acked is not GONE]
    assert live, "the run left no todo to tamper with"
    change(ledger, live[0])
    return ledger


@pytest.mark.slow
def test_an_acknowledged_state_the_server_does_not_hold_is_stale(ran, stored):
    def rename(ledger, todo_id):
        ledger.todos[todo_id].acked["title"] = "a write the server never saw"

    verdict = verify(_tampered(ran[1], rename), stored)
    assert verdict.kinds() == {"stale": 1}


@pytest.mark.slow
def test_an_acknowledged_delete_of_a_stored_todo_is_resurrected(ran, stored):
    def delete(ledger, todo_id):
        ledger.todos[todo_id] = Entry(acked=GONE, etag=None)

    assert verify(_tampered(ran[1], delete), stored).kinds() == {"resurrected": 1}


@pytest.mark.slow
def test_an_acknowledged_todo_the_server_lacks_is_missing_and_an_unknown_one_a_phantom(ran, stored):
    def forget_and_invent(ledger, todo_id):
        del ledger.todos[todo_id]
        ledger.todos[10**9] = Entry(acked={**TODO, "id": 10**9}, etag='"x"')

    assert verify(_tampered(ran[1], forget_and_invent), stored).kinds() == {"missing": 1, "phantom": 1}


def test_an_unanswered_write_allows_either_state_until_a_read_settles_it():
    ledger = Ledger()
    ledger.acknowledged(1, TODO, '"v1"')
    ledger.unanswered(1, {"title": "client 0 write 2", "done": True})
    landed = {**TODO, "title": "client 0 write 2", "done": True, "updated_at": "2026-12-02T00:00:00Z"}
    assert verify(ledger, {1: TODO}).problems == []
    assert verify(ledger, {1: landed}).problems == []
    assert verify(ledger, {1: {**landed, "done": False}}).kinds() == {"stale": 1}
    assert ledger.resolved(1, landed, '"v2"')
    assert verify(ledger, {1: TODO}).kinds() == {"stale": 1}, "once it is seen to have landed, no going back"


def test_an_unanswered_create_may_land_but_nothing_else_may_appear():
    ledger = Ledger(unanswered_creates={"client 0 write 1"})
    assert verify(ledger, {1: TODO}).unanswered_creates_landed == 1
    assert verify(ledger, {1: {**TODO, "title": "someone else's"}}).kinds() == {"phantom": 1}


def test_database_is_locked_is_counted_once_per_request():
    log = "\n".join(
        (
            "2026-12-03 12:59:00,033 ERROR [aaa] app: Exception on /api/todos [POST]",
            "sqlite3.OperationalError: database is locked",
            "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked",
            "2026-12-03 12:59:00,034 ERROR [aaa] app: Request failed: 500 Internal Server Error",
            "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked",
            "2026-12-03 12:59:00,035 ERROR [bbb] app: Exception on /api/todos/3 [PATCH]",
            "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked",
            "2026-12-03 12:59:00,036 ERROR [ccc] app: Exception on /api/todos [GET]",
            "psycopg.OperationalError: connection failed",
        )
    )
    assert database_locked(log) == 2


def test_a_lost_write_or_a_double_winner_fails_the_run_whatever_the_timing():
    clean = {"database": "sqlite", "scenario": "load", "lost_writes": 0, "lost_by_kind": {}}
    lost = {**clean, "lost_writes": 2, "lost_by_kind": {"stale": 2}}
    race = {"database": "postgres", "scenario": "race", "several_winners": 1, "winner_not_stored": 0}
    assert broken_guarantees({"results": [clean]}) == []
    assert len(broken_guarantees({"results": [clean, lost, race]})) == 2
