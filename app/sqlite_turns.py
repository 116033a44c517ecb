"""SQLite writers of one process take turns in arrival order, so none is starved inside SQLite's busy handler.

SQLite's busy handler polls: a writer that found the lock taken sleeps (1, 2, 5 ... then 100 ms a time) and
tries again, with no queue. Under load a writer that has waited a while sleeps 100 ms at a stretch while
newcomers take the lock the moment it is free, so it can wait out the whole busy timeout although every
transaction holds the lock for a few milliseconds. Here the threads of a process queue for their turn
first (woken at once, in order), so at most one connection per process waits in SQLite's busy handler.

The turn is taken where the driver opens a write transaction (its implicit BEGIN before the first INSERT,
UPDATE, DELETE or REPLACE) and given back when that transaction ends, so reads never queue.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

# The statements before which Python's sqlite3 module opens a transaction on its own (Modules/_sqlite).
_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriterTurns:
    """A first-come, first-served lock whose waits are bounded; one per engine (one database file)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: deque[object] = deque()
        self._taken = False

    def acquire(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until every earlier writer has had its turn, then take it."""
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
            if self._changed.wait_for(lambda: not self._taken and self._waiting[0] is ticket, timeout):
                self._waiting.popleft()
                self._taken = True
                return True
            self._waiting.remove(ticket)
            self._changed.notify_all()  # the writer behind this one may be first now
            return False

    def release(self) -> None:
        with self._changed:
            self._taken = False
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Writers queued for their turn (not counting the one that has it)."""
        with self._changed:
            return len(self._waiting)


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection (pass it as `factory`) that takes its engine's turn before opening a write."""

    turns: WriterTurns | None = None
    wait_seconds: float = 0.0
    _has_turn = False

    def share_turns(self, turns: WriterTurns, wait_seconds: float) -> None:
        """Queue this connection's writes with the other connections of its engine."""
        self.turns = turns
        self.wait_seconds = wait_seconds

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:
        return super().cursor(factory or TurnTakingCursor)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        # sqlite3's shortcut makes its cursor in C, past `cursor()`.
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, seq_of_parameters)

    def close(self) -> None:
        try:
            super().close()  # an open transaction is rolled back
        finally:
            self._end_turn(closed=True)

    def _take_turn(self, statement: str) -> None:
        if self._has_turn or self.turns is None or self.in_transaction:
            return
        if not _WRITE_STATEMENT.match(statement):
            return
        if not self.turns.acquire(self.wait_seconds):
            error = sqlite3.OperationalError("database is locked")
            # What SQLite itself reports when its busy timeout runs out, so the app answers the same 503.
            error.sqlite_errorcode = sqlite3.SQLITE_BUSY
            error.sqlite_errorname = "SQLITE_BUSY"
            raise error
        self._has_turn = True

    def _end_turn(self, *, closed: bool = False) -> None:
        if self._has_turn and (closed or not self.in_transaction):
            self._has_turn = False
            assert self.turns is not None
            self.turns.release()


class TurnTakingCursor(sqlite3.Cursor):
    """Cursor of a TurnTakingConnection: a write waits for its turn; a failed BEGIN gives the turn back."""

    connection: TurnTakingConnection

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self.connection._take_turn(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection._end_turn()  # no transaction open (BEGIN failed, or autocommit): not ours

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> sqlite3.Cursor:
        self.connection._take_turn(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self.connection._end_turn()
