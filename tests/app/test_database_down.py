"""A database that is down, silent or slow: every call is a quick, documented 503 that leaks nothing."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app import create_app
from app.database import engine_for, init_db
from tests.conftest import FAST_HASHING
from tests.ports import free_port

# libpq's floor: a smaller connect timeout is taken as 2 s.
CONNECT_TIMEOUT = 2
# Room for a loaded machine: the figures in the README are what a quiet one measures.
SLACK = 2.0
BEARER = {"Authorization": "Bearer some-token-the-database-would-have-to-check"}

# Words of a driver, a traceback, an address or a version that an error body must never carry.
LEAKS = re.compile(
    r"traceback|psycopg|sqlalchemy|sqlite|operationalerror|127\.0\.0\.1|localhost|port \d+|"
    r"connection (refused|timeout)|python|werkzeug|gunicorn|\d+\.\d+\.\d+",
    re.IGNORECASE,
)


def unavailable_app(url: str, **settings: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": url,
            "DATABASE_CONNECT_TIMEOUT": CONNECT_TIMEOUT,
            **FAST_HASHING,
            **settings,
        }
    )


@pytest.fixture
def expect_unavailable(expect_error: Callable) -> Callable[[Any], dict[str, Any]]:
    """Check the documented 503: error envelope, `Retry-After`, and not a word about what is behind it."""

    def check(response: Any) -> dict[str, Any]:
        body = expect_error(response, 503)
        assert int(response.headers["Retry-After"]) >= 0, response.headers
        assert response.headers.get("X-Request-ID"), response.headers
        assert not LEAKS.search(response.get_data(as_text=True)), body
        return body

    return check


CALLS = [
    ("post", "/api/auth/register", {"json": {"username": "alice", "password": "correct horse battery"}}),
    ("post", "/api/auth/login", {"json": {"username": "alice", "password": "correct horse battery"}}),
    ("get", "/api/auth/me", {"headers": BEARER}),
    ("get", "/api/todos", {"headers": BEARER}),
    ("post", "/api/todos", {"headers": BEARER, "json": {"title": "Buy milk"}}),
    ("patch", "/api/todos/1", {"headers": BEARER, "json": {"done": True}}),
    ("get", "/healthz", {}),
]


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port that completes TCP handshakes and never sends a byte back: a hung database server.

    The kernel accepts connections into the listen backlog on its own, so nothing has to run to keep
    the caller waiting; after the backlog fills, new handshakes hang too.
    """
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server:
        yield server.getsockname()[1]


@pytest.mark.parametrize(("method", "path", "kwargs"), CALLS, ids=[f"{m} {p}" for m, p, _ in CALLS])
def test_a_refused_connection_is_a_quick_503(method, path, kwargs, caplog, expect_unavailable):
    app = unavailable_app(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    started = time.monotonic()
    response = getattr(app.test_client(), method)(path, **kwargs)
    elapsed = time.monotonic() - started
    expect_unavailable(response)
    assert elapsed < CONNECT_TIMEOUT, f"{method} {path} took {elapsed:.2f} s to report a refused connection"
    # The log says what happened, with the request's id, for the operator.
    request_id = response.headers["X-Request-ID"]
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert any("refused" in r.getMessage().lower() for r in logged), [r.getMessage() for r in logged]


def test_healthz_answers_within_a_second_when_the_database_never_answers(black_hole, expect_unavailable):
    app = unavailable_app(f"postgresql://postgres@127.0.0.1:{black_hole}/nothing")
    client = app.test_client()
    probes_before = _probe_threads()
    for _ in range(3):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
        expect_unavailable(response)
        assert elapsed < 1.0 + SLACK / 4, f"/healthz took {elapsed:.2f} s"
    # Probes that come while one is stuck wait on it: a silent database costs one thread, not one each.
    assert len(_probe_threads() - probes_before) == 1, _probe_threads()


def _probe_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "healthz-probe"}


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/todos"])
def test_api_calls_give_up_on_a_silent_database_after_the_connect_timeout(
    black_hole, path, expect_unavailable
):
    app = unavailable_app(f"postgresql://postgres@127.0.0.1:{black_hole}/nothing")
    started = time.monotonic()
    if path == "/api/todos":
        response = app.test_client().get(path, headers=BEARER)
    else:
        response = app.test_client().post(path, json={"username": "alice", "password": "correct horse"})
    elapsed = time.monotonic() - started
    expect_unavailable(response)
    assert CONNECT_TIMEOUT - 0.5 < elapsed < CONNECT_TIMEOUT + SLACK, f"{path} took {elapsed:.2f} s"


def test_every_operation_documents_the_503_with_retry_after(client):
    """Each operation reads or writes the database (a bearer token is looked up there), so each can 503."""
    spec = client.get("/openapi.json").get_json()
    operations = [
        (m, p, op) for p, item in spec["paths"].items() for m, op in item.items() if m != "parameters"
    ]
    assert len(operations) >= 10
    for method, path, operation in operations:
        documented = operation["responses"].get("503")
        assert documented, f"{method.upper()} {path} does not document 503"
        assert documented["headers"]["Retry-After"]["required"] is True, (method, path)
        assert documented["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_healthz_is_200_again_once_the_database_answers(tmp_path, expect_unavailable):
    path = tmp_path / "later.sqlite3"
    path.mkdir()  # a directory where the file should be: SQLite cannot open it
    app = unavailable_app(f"sqlite:///{path}")
    client = app.test_client()
    expect_unavailable(client.get("/healthz"))
    path.rmdir()
    init_db(app)
    assert client.get("/healthz").status_code == 200


def test_a_database_mistake_is_still_a_500_not_a_503(tmp_path, expect_error):
    """Only "not now" errors are 503: a missing table is a bug (or a missing init-db) and must show as one."""
    app = unavailable_app(f"sqlite:///{tmp_path / 'no-tables.sqlite3'}")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().post("/api/auth/register", json={"username": "alice", "password": "x" * 12})
    body = expect_error(response, 500)
    assert not LEAKS.search(response.get_data(as_text=True)), body


# --- SQLite: several writers on one file ---------------------------------------------------------------


def sqlite_app(path: str, **settings: Any) -> Flask:
    app = unavailable_app(f"sqlite:///{path}", **settings)
    init_db(app)
    return app


def test_sqlite_runs_in_wal_mode_with_the_busy_timeout(tmp_path):
    app = sqlite_app(tmp_path / "wal.sqlite3", SQLITE_BUSY_TIMEOUT_MS=1234)
    with engine_for(app).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1234
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def _token(app: Flask, username: str) -> dict[str, str]:
    client = app.test_client()
    credentials = {"username": username, "password": "correct horse battery"}
    assert client.post("/api/auth/register", json=credentials).status_code == 201
    token = client.post("/api/auth/login", json=credentials).get_json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_writers_on_two_engines_never_see_database_is_locked(tmp_path):
    """Two apps (two engines and pools, as two gunicorn workers have) hammer one file from 8 threads."""
    path = tmp_path / "shared.sqlite3"
    apps = [sqlite_app(path), sqlite_app(path)]
    headers = [_token(app, f"writer{i}") for i, app in enumerate(apps)]
    statuses: list[int] = []
    bodies: list[str] = []

    def hammer(app: Flask, auth: dict[str, str]) -> None:
        client = app.test_client()
        for n in range(25):
            response = client.post("/api/todos", json={"title": f"todo {n}"}, headers=auth)
            statuses.append(response.status_code)
            if response.status_code != 201:
                bodies.append(response.get_data(as_text=True))
            client.get("/api/todos", headers=auth)  # readers alongside the writers

    threads = [threading.Thread(target=hammer, args=(apps[i % 2], headers[i % 2])) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 8 * 25, (sorted(set(statuses)), bodies[:3])
    totals = [
        int(app.test_client().get("/api/todos", headers=h).headers["X-Total-Count"])
        for app, h in zip(apps, headers, strict=True)
    ]
    assert totals == [100, 100]


def test_a_lock_held_past_the_busy_timeout_is_a_503(tmp_path, expect_unavailable):
    path = tmp_path / "locked.sqlite3"
    app = sqlite_app(path, SQLITE_BUSY_TIMEOUT_MS=200)
    auth = _token(app, "alice")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction that does not end
    try:
        started = time.monotonic()
        response = app.test_client().post("/api/todos", json={"title": "Blocked"}, headers=auth)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    expect_unavailable(response)
    assert 0.2 <= elapsed < 0.2 + SLACK, f"waited {elapsed:.2f} s for a lock with a 0.2 s busy timeout"
    assert app.test_client().post("/api/todos", json={"title": "Free"}, headers=auth).status_code == 201


def test_a_pool_with_every_connection_busy_is_a_503_after_the_pool_timeout(tmp_path, expect_unavailable):
    app = sqlite_app(tmp_path / "pool.sqlite3", DATABASE_POOL_TIMEOUT=0.2)
    engine = engine_for(app)
    held = []
    with pytest.raises(PoolTimeoutError):  # take every connection the pool will give
        while len(held) < 100:
            held.append(engine.connect())
    try:
        started = time.monotonic()
        response = app.test_client().get("/api/todos", headers=BEARER)
        elapsed = time.monotonic() - started
    finally:
        for connection in held:
            connection.close()
    expect_unavailable(response)
    assert 0.2 <= elapsed < 0.2 + SLACK, f"waited {elapsed:.2f} s for a connection with a 0.2 s pool timeout"


# --- PostgreSQL: statement and lock timeouts ------------------------------------------------------------


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgresql://... (make test-postgres)")
    return url


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The shared settings, plus the timeouts a test is parametrized with."""
    return {**app_config, **getattr(request, "param", {})}


@pytest.mark.parametrize(
    ("app_config", "cause"),
    [
        ({"DATABASE_STATEMENT_TIMEOUT_MS": 300, "DATABASE_LOCK_TIMEOUT_MS": 20000}, "QueryCanceled"),
        ({"DATABASE_STATEMENT_TIMEOUT_MS": 20000, "DATABASE_LOCK_TIMEOUT_MS": 300}, "LockNotAvailable"),
    ],
    indirect=["app_config"],
    ids=["statement-timeout", "lock-timeout"],
)
def test_a_query_stuck_behind_a_lock_is_a_503_after_the_timeout(
    postgres_url, app, client, auth_headers, make_todo, cause, caplog, expect_unavailable
):
    make_todo(title="Locked away")
    holder = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)).connect()
    transaction = holder.begin()
    holder.execute(text("LOCK TABLE todos IN ACCESS EXCLUSIVE MODE"))  # e.g. a migration that hangs
    try:
        started = time.monotonic()
        response = client.get("/api/todos", headers=auth_headers)
        elapsed = time.monotonic() - started
    finally:
        transaction.rollback()
        holder.close()
        holder.engine.dispose()
    expect_unavailable(response)
    assert 0.3 <= elapsed < 0.3 + SLACK, f"waited {elapsed:.2f} s with a 0.3 s timeout"
    assert cause in caplog.text
    # The connection that timed out goes back to the pool usable.
    assert client.get("/api/todos", headers=auth_headers).status_code == 200
