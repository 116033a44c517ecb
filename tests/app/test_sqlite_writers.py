"""SQLite writers under contention: first come, first served in a process; reads never queue; waits end."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable

from sqlalchemy import select, text, update

from app.database import engine_for, get_session
from app.models import Todo
from app.sqlite_turns import WriterTurns
from tests.app.test_database_down import SLACK, _token, sqlite_app

# Long enough that SQLite's busy handler has gone over to sleeping 100 ms between tries.
LONG_WAIT = 0.5


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(work()))
    thread.start()
    return thread, results


def test_a_writer_that_waited_is_not_overtaken_by_a_later_one(tmp_path):
    """The failure the load bench showed: under SQLite's polling busy handler a writer waiting for another
    process's lock sleeps 100 ms at a time, and a writer arriving later takes the lock first, again and
    again, until the first one runs out of busy timeout (a 503). The later writer must queue behind it."""
    path = tmp_path / "turns.sqlite3"
    app = sqlite_app(path)
    auth = _token(app, "alice")
    for _round in range(3):
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another worker process in the middle of a write
        first, responses = _in_thread(
            lambda: app.test_client().post("/api/todos", json={"title": "first"}, headers=auth)
        )
        time.sleep(LONG_WAIT)
        holder.execute("COMMIT")
        holder.close()
        later = app.test_client().post("/api/todos", json={"title": "later"}, headers=auth)
        first.join()
        (earlier,) = responses
        assert (earlier.status_code, later.status_code) == (201, 201)
        assert earlier.get_json()["id"] < later.get_json()["id"], "the later writer committed first"


def test_waiting_past_the_busy_timeout_for_a_turn_is_a_503(tmp_path, expect_error):
    app = sqlite_app(tmp_path / "turn-timeout.sqlite3", SQLITE_BUSY_TIMEOUT_MS=200)
    auth = _token(app, "alice")
    with engine_for(app).connect() as holder:  # a thread of this process in the middle of a write
        holder.execute(text("UPDATE users SET username = username"))
        started = time.monotonic()
        response = app.test_client().post("/api/todos", json={"title": "Blocked"}, headers=auth)
        elapsed = time.monotonic() - started
        listed = app.test_client().get("/api/todos", headers=auth)  # reads do not wait for a turn
        holder.rollback()
    expect_error(response, 503)
    assert response.headers["Retry-After"]
    assert 0.2 <= elapsed < 0.2 + SLACK, f"waited {elapsed:.2f} s for a turn with a 0.2 s busy timeout"
    assert listed.status_code == 200
    assert app.test_client().post("/api/todos", json={"title": "Free"}, headers=auth).status_code == 201


def test_a_write_after_a_read_and_another_commit_is_not_refused(tmp_path):
    """In WAL mode a transaction that read and then writes after another connection committed gets
    SQLITE_BUSY_SNAPSHOT at once, without waiting. The driver begins a transaction only before the first
    write, so the read-check-write of `_write()` never holds an old snapshot when it writes."""
    path = tmp_path / "snapshot.sqlite3"
    app = sqlite_app(path)
    auth = _token(app, "alice")
    todo_id = app.test_client().post("/api/todos", json={"title": "one"}, headers=auth).get_json()["id"]
    with app.app_context():
        session = get_session()
        todo = session.scalar(select(Todo).where(Todo.id == todo_id))
        other = sqlite3.connect(path)
        other.execute("UPDATE todos SET title = 'changed elsewhere' WHERE id = ?", (todo_id,))
        other.commit()
        other.close()
        session.execute(update(Todo).where(Todo.id == todo.id).values(done=True))
        session.commit()
        assert session.scalar(select(Todo.done).where(Todo.id == todo_id)) is True


def test_a_writer_that_gives_up_lets_the_next_one_go():
    turns = WriterTurns()
    assert turns.acquire(timeout=1)
    impatient, gave_up = _in_thread(lambda: turns.acquire(timeout=0.1))
    while turns.waiting == 0:
        time.sleep(0.001)
    patient, got = _in_thread(lambda: turns.acquire(timeout=5))
    impatient.join()
    assert gave_up == [False]
    turns.release()
    patient.join()
    assert got == [True]
    assert turns.waiting == 0


def test_a_connection_closed_in_a_write_gives_its_turn_back(tmp_path):
    """A pool that drops a broken connection mid-transaction must not leave every later write waiting."""
    app = sqlite_app(tmp_path / "closed.sqlite3", SQLITE_BUSY_TIMEOUT_MS=200)
    auth = _token(app, "alice")
    holder = engine_for(app).raw_connection()
    holder.driver_connection.execute("UPDATE users SET username = username")
    holder.invalidate()  # closes the driver's connection in its transaction
    assert app.test_client().post("/api/todos", json={"title": "Free"}, headers=auth).status_code == 201
