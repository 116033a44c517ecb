"""Concurrent writers in one process: If-Match holds under a race, and unconditional writes are not lost.

Each writer runs in its own thread with its own test client; a barrier placed right after the todo is read
makes every writer read the same version before any of them writes, which is the interleaving that lets
a check-then-write lose updates. The same tests run on PostgreSQL under `make test-postgres`.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import app.todos as todos_blueprint
from app.models import Todo

WRITERS = 4
ROUNDS = 5


@pytest.fixture
def race(app, monkeypatch):
    """`race(requests)` sends them at once, each from its own thread and client, all reading first."""
    original = todos_blueprint.get_owned_todo
    local = threading.local()

    def reading_then_waiting(*args, **kwargs):
        todo = original(*args, **kwargs)
        barrier = getattr(local, "barrier", None)
        if barrier is not None:  # only a racing thread's first read waits for the others
            local.barrier = None
            barrier.wait(timeout=10)
        return todo

    monkeypatch.setattr(todos_blueprint, "get_owned_todo", reading_then_waiting)

    def run(requests):
        barrier = threading.Barrier(len(requests))

        def send(request):
            method, url, kwargs = request
            local.barrier = barrier
            try:
                return getattr(app.test_client(), method)(url, **kwargs)
            finally:
                local.barrier = None

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(send, requests))

    return run


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_of_writers_with_the_same_etag_exactly_one_wins(client, auth_headers, make_todo, db, race, method):
    for round_ in range(ROUNDS):
        todo = make_todo(title="Race", tags=["a", "b"])
        url = f"/api/todos/{todo['id']}"
        etag = client.get(url, headers=auth_headers).headers["ETag"]
        headers = {**auth_headers, "If-Match": etag}
        requests = []
        for writer in range(WRITERS):
            body = {"title": f"writer {writer}", "tags": [f"w{writer}"]}
            if method == "put":
                body |= {"description": None, "done": True, "priority": "high", "due_at": None}
            kwargs = {"headers": headers} | ({} if method == "delete" else {"json": body})
            requests.append((method, url, kwargs))
        statuses = [response.status_code for response in race(requests)]
        won = 204 if method == "delete" else 200
        assert sorted(statuses) == [won] + [412] * (WRITERS - 1), (round_, statuses)
        db.expire_all()
        stored = db.get(Todo, todo["id"])
        if method == "delete":
            assert stored is None
        else:
            winner = statuses.index(200)
            assert (stored.title, stored.tags) == (f"writer {winner}", [f"w{winner}"])


def test_concurrent_writes_without_if_match_all_apply(client, auth_headers, make_todo, db, race):
    """Without a precondition each write re-reads and applies after the others: none is silently lost."""
    todo = make_todo(title="Tags", tags=[])
    url = f"/api/todos/{todo['id']}"
    requests = [("patch", url, {"headers": auth_headers, "json": {"done": True}}) for _ in range(WRITERS)]
    assert [response.status_code for response in race(requests)] == [200] * WRITERS
    db.expire_all()
    assert db.get(Todo, todo["id"]).version == 1 + WRITERS


def test_a_todo_that_keeps_changing_is_a_documented_503(
    client, auth_headers, make_todo, expect_error, monkeypatch
):
    """Every attempt losing its race ends in the documented 503 with Retry-After, and changes nothing."""
    todo = make_todo(title="Hot")
    url = f"/api/todos/{todo['id']}"

    def always_stale(todo, data):
        raise todos_blueprint.StaleDataError("changed under us")

    monkeypatch.setattr(todos_blueprint, "update_todo", always_stale)
    response = client.patch(url, headers=auth_headers, json={"title": "Never"})
    expect_error(response, 503)
    assert int(response.headers["Retry-After"]) >= 0
    assert client.get(url, headers=auth_headers).get_json()["title"] == "Hot"
