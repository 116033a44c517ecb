"""What a client was told it wrote, and the check that the server still holds exactly that.

A write is acknowledged by its 2xx answer; its answer's body (or 204 for a delete) is what must be stored
from then on. A write that got no answer (connection error, timeout) or a 5xx may or may not have been
applied: the ledger keeps it as an alternative state, allowed until a later write is acknowledged. Every
write carries `If-Match`, so an old write that lands late cannot overwrite a newer acknowledged one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FIELDS = ("title", "description", "done", "priority", "due_at", "tags")
GONE = None  # the state of a deleted todo


@dataclass(slots=True)
class Entry:
    """One todo: its last acknowledged state (`GONE` once deleted) and states an unanswered write allows."""

    acked: dict[str, Any] | None
    etag: str | None
    alternatives: list[dict[str, Any] | None] = field(default_factory=list)
    unsure: bool = False  # a write got no answer: read the todo before writing it again

    def allows(self, observed: dict[str, Any] | None) -> bool:
        if observed == self.acked:
            return True
        for alternative in self.alternatives:
            if alternative is GONE:
                if observed is GONE:
                    return True
            elif observed is not GONE and all(observed.get(name) == alternative[name] for name in FIELDS):
                return True
        return False


@dataclass(slots=True)
class Problem:
    """An acknowledged write the server no longer reflects, or a todo no write of this client made."""

    kind: str  # missing | stale | resurrected | phantom
    todo_id: int
    expected: dict[str, Any] | None
    observed: dict[str, Any] | None


def problem_kind(expected: dict[str, Any] | None, observed: dict[str, Any] | None) -> str:
    if expected is GONE:
        return "resurrected"  # an acknowledged delete was lost
    return "missing" if observed is GONE else "stale"


@dataclass(slots=True)
class Ledger:
    """One client's todos (it is their only writer) and the titles of creates that got no answer."""

    todos: dict[int, Entry] = field(default_factory=dict)
    unanswered_creates: set[str] = field(default_factory=set)
    acknowledged_writes: int = 0

    def live(self) -> list[int]:
        return [
            todo_id for todo_id, entry in self.todos.items() if entry.acked is not GONE and not entry.unsure
        ]

    def settled(self) -> bool:
        """No write of unknown outcome is pending: the server must hold exactly the acknowledged states."""
        return not self.unanswered_creates and not any(entry.alternatives for entry in self.todos.values())

    def unsure(self) -> list[int]:
        return [todo_id for todo_id, entry in self.todos.items() if entry.unsure]

    def acknowledged(self, todo_id: int, body: dict[str, Any] | None, etag: str | None) -> None:
        """A 201/200 (body and ETag) or a 204 (`GONE`): from now on the server must hold this."""
        self.acknowledged_writes += 1
        self.todos[todo_id] = Entry(acked=body, etag=etag)

    def unanswered(self, todo_id: int, attempted: dict[str, Any] | None) -> None:
        """A write to `todo_id` got no answer: its result (fields after it, or `GONE`) becomes allowed."""
        entry = self.todos[todo_id]
        if attempted is not GONE and entry.acked is not GONE:
            attempted = {**{name: entry.acked[name] for name in FIELDS}, **attempted}
        entry.alternatives.append(attempted)
        entry.unsure = True

    def resolved(self, todo_id: int, observed: dict[str, Any] | None, etag: str | None) -> bool:
        """A read after an unanswered write: adopt what it shows if that is allowed; False if not."""
        entry = self.todos[todo_id]
        if not entry.allows(observed):
            return False
        if observed != entry.acked:  # it landed: the state before it is no longer allowed
            entry.alternatives.clear()
        # Otherwise it may still land later (a timed-out request): keep allowing it until a write is acked.
        entry.acked, entry.etag, entry.unsure = observed, etag, False
        return True

    def adopt(self, todo_id: int, body: dict[str, Any], etag: str | None) -> None:
        """An unanswered create found by a read: it landed, and its state is known now."""
        self.unanswered_creates.discard(body["title"])
        self.todos[todo_id] = Entry(acked=body, etag=etag)


@dataclass(slots=True)
class Verification:
    """The verdict on one or more ledgers against what the server lists."""

    todos_checked: int = 0
    acknowledged_writes: int = 0
    unanswered_creates_landed: int = 0
    users_unlisted: int = 0  # users whose todos the server would not list: their writes are unverified
    problems: list[Problem] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.problems)

    def kinds(self) -> dict[str, int]:
        return dict(Counter(problem.kind for problem in self.problems))

    def merge(self, other: Verification) -> None:
        self.todos_checked += other.todos_checked
        self.acknowledged_writes += other.acknowledged_writes
        self.unanswered_creates_landed += other.unanswered_creates_landed
        self.users_unlisted += other.users_unlisted
        self.problems.extend(other.problems)


def verify(ledger: Ledger, stored: dict[int, dict[str, Any]]) -> Verification:
    """Compare a ledger with every todo the server lists for its user (`stored`, by id)."""
    verdict = Verification(todos_checked=len(ledger.todos), acknowledged_writes=ledger.acknowledged_writes)
    for todo_id, entry in ledger.todos.items():
        observed = stored.get(todo_id, GONE)
        if not entry.allows(observed):
            kind = problem_kind(entry.acked, observed)
            verdict.problems.append(Problem(kind, todo_id, entry.acked, observed))
    for todo_id, body in stored.items():
        if todo_id in ledger.todos:
            continue
        if body["title"] in ledger.unanswered_creates:
            verdict.unanswered_creates_landed += 1
        else:
            verdict.problems.append(Problem("phantom", todo_id, GONE, body))
    return verdict
