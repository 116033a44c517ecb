"""A simulated user: registers, then creates, patches, replaces, deletes and lists its own todos.

Each client is the only writer of its todos, so with `If-Match` on every write, any 404 or 412 it gets on
a todo whose state it knows means the server lost or changed an acknowledged write.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .client import Client, Reply, backoff
from .ledger import FIELDS, GONE, Ledger, Problem, Verification, verify

PASSWORD = "correct horse battery staple"
TAGS = ("home", "work", "errand", "call", "read", "later")
PRIORITIES = ("low", "normal", "high")
DUE = (None, "2027-01-02T03:04:05Z", "2027-06-30T18:00:00+05:30")
# Keeps each user's list on one page of the listing the verifier reads.
LIVE_MAX = 40
# Operation mix in percent: writes dominate, as they are what the ledger checks.
MIX = (("create", 20), ("patch", 30), ("put", 15), ("delete", 10), ("list", 25))


@dataclass(slots=True)
class Findings:
    """What one client noticed while running, beyond latencies and statuses."""

    unexpected: Counter = field(default_factory=Counter)  # "PATCH 412" etc. on a todo whose state was known
    problems: list[Problem] = field(default_factory=list)  # reads that showed a state no write allowed
    list_mismatches: int = 0  # X-Total-Count differed from the number of todos the ledger holds

    def merge(self, other: Findings) -> None:
        self.unexpected.update(other.unexpected)
        self.problems.extend(other.problems)
        self.list_mismatches += other.list_mismatches


def sign_up(client: Client, username: str, deadline: float) -> bool:
    """Register and log in, retrying through errors until `deadline`; sets the client's bearer token."""
    credentials = {"username": username, "password": PASSWORD}
    registered = False
    while time.monotonic() < deadline:
        if not registered:
            reply = client.request("POST", "/api/auth/register", credentials, operation="register")
            registered = reply.status in (201, 409)  # 409: an earlier unanswered attempt landed
        if registered:
            reply = client.request("POST", "/api/auth/login", credentials, operation="login")
            if reply.status == 200:
                client.headers = {"Authorization": f"Bearer {reply.body['access_token']}"}
                return True
        time.sleep(backoff(client.failures))
    return False


class Worker:
    """One client's loop: pick an operation, send it, and book the answer in the ledger."""

    def __init__(self, client: Client, number: int, seed: int) -> None:
        self.client = client
        self.number = number
        self.rng = random.Random(seed)
        self.ledger = Ledger()
        self.findings = Findings()
        self.frozen: set[int] = set()  # todos whose state contradicted the ledger: reported, left alone
        self.creates_to_find: list[str] = []
        self._sequence = 0
        self._operations, self._weights = zip(*MIX, strict=True)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step()

    def step(self) -> None:
        unsure = [todo_id for todo_id in self.ledger.unsure() if todo_id not in self.frozen]
        if unsure:
            self.resync(unsure[0])
            return
        if self.creates_to_find:
            self.find_create(self.creates_to_find[0])
            return
        live = [todo_id for todo_id in self.ledger.live() if todo_id not in self.frozen]
        operation = self.rng.choices(self._operations, self._weights)[0]
        if not live or (operation == "create" and len(live) >= LIVE_MAX):
            operation = "create" if not live else "delete"
        if operation == "create":
            self.create()
        elif operation == "list":
            self.list(len(live))
        else:
            getattr(self, operation)(self.rng.choice(live))

    def _title(self) -> str:
        self._sequence += 1
        return f"client {self.number} write {self._sequence}"

    def _fields(self) -> dict[str, Any]:
        return {
            "title": self._title(),
            "description": self.rng.choice((None, "from the load benchmark")),
            "done": self.rng.random() < 0.5,
            "priority": self.rng.choice(PRIORITIES),
            "due_at": self.rng.choice(DUE),
            "tags": self.rng.sample(TAGS, self.rng.randint(0, 3)),
        }

    def create(self) -> None:
        body = self._fields()
        reply = self.client.request("POST", "/api/todos", body, operation="create")
        if reply.status == 201:
            self.ledger.acknowledged(reply.body["id"], reply.body, reply.headers.get("etag"))
        elif reply.status is None or reply.server_error:
            self.ledger.unanswered_creates.add(body["title"])
            self.creates_to_find.append(body["title"])
            self._pause()
        else:
            self.findings.unexpected[f"POST {reply.status}"] += 1

    def patch(self, todo_id: int) -> None:
        names = self.rng.sample(FIELDS[1:], self.rng.randint(0, 2))
        full = self._fields()
        self._write("PATCH", todo_id, {"title": full["title"], **{name: full[name] for name in names}})

    def put(self, todo_id: int) -> None:
        self._write("PUT", todo_id, self._fields())

    def delete(self, todo_id: int) -> None:
        self._write("DELETE", todo_id, GONE)

    def _write(self, method: str, todo_id: int, body: dict[str, Any] | None) -> None:
        entry = self.ledger.todos[todo_id]
        reply = self.client.request(
            method, f"/api/todos/{todo_id}", body, {"If-Match": entry.etag}, operation=method.lower()
        )
        if reply.acknowledged:
            acked = GONE if method == "DELETE" else reply.body
            self.ledger.acknowledged(todo_id, acked, reply.headers.get("etag"))
        elif reply.status is None or reply.server_error:
            self.ledger.unanswered(todo_id, body)
            self._pause()
        elif reply.status in (404, 412) and entry.alternatives:
            entry.unsure = True  # an earlier unanswered write landed late: read the todo again
        else:
            self.findings.unexpected[f"{method} {reply.status}"] += 1
            self.frozen.add(todo_id)

    def list(self, live: int) -> None:
        reply = self.client.request("GET", "/api/todos?per_page=20&sort=-updated_at", operation="list")
        if reply.status != 200:
            if reply.status is not None and not reply.server_error:
                self.findings.unexpected[f"GET {reply.status}"] += 1
            return
        if self.ledger.settled() and not self.frozen and int(reply.headers.get("x-total-count", -1)) != live:
            self.findings.list_mismatches += 1

    def resync(self, todo_id: int) -> None:
        """After an unanswered write: read the todo, and adopt its state if some write allows it."""
        reply = self.client.request("GET", f"/api/todos/{todo_id}", operation="read")
        if reply.status not in (200, 404):
            self._pause()
            return
        observed = reply.body if reply.status == 200 else GONE
        if not self.ledger.resolved(todo_id, observed, reply.headers.get("etag")):
            entry = self.ledger.todos[todo_id]
            self.findings.problems.append(Problem("contradicted", todo_id, entry.acked, observed))
            self.frozen.add(todo_id)

    def find_create(self, title: str) -> None:
        reply = self.client.request("GET", f"/api/todos?q={quote(title)}&per_page=100", operation="read")
        if reply.status != 200:
            self._pause()
            return
        self.creates_to_find.remove(title)
        for body in reply.body:
            if body["title"] == title:
                self.ledger.adopt(body["id"], body, None)
                self.ledger.todos[body["id"]].unsure = True  # read it once more to learn its ETag

    def _pause(self) -> None:
        time.sleep(backoff(self.client.failures))


def stored_todos(client: Client, deadline: float) -> dict[int, dict[str, Any]] | None:
    """Every todo the server lists for the client's user, by id (None if it kept failing)."""
    stored: dict[int, dict[str, Any]] = {}
    page = 1
    while time.monotonic() < deadline:
        reply: Reply = client.request("GET", f"/api/todos?per_page=100&page={page}&sort=created_at")
        if reply.status != 200:
            time.sleep(backoff(client.failures))
            continue
        stored.update({body["id"]: body for body in reply.body})
        if page >= int(reply.headers["x-total-pages"]):
            return stored
        page += 1
    return None


def verify_workers(port: int, workers: list[Worker], timeout: float = 60) -> Verification:
    """Read back every user's todos and check each ledger; a user the server will not list is all lost."""
    verdict = Verification()
    deadline = time.monotonic() + timeout
    for worker in workers:
        reader = Client(port, timeout=30)
        reader.headers = dict(worker.client.headers)
        stored = stored_todos(reader, deadline)
        reader.close()
        if stored is None:
            verdict.users_unlisted += 1
        else:
            verdict.merge(verify(worker.ledger, stored))
    return verdict


def new_username(number: int) -> str:
    return f"load{number}x{secrets.token_hex(4)}"
