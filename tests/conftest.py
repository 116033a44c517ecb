"""Shared fixtures: an app on a fresh database per test, its test client and CLI runner, and logged-in users.

The database is a temporary SQLite file (a copy of one built by `init_db` at the start of the run, since
creating tables costs an fsync each), or, when `DATABASE_URL` is set (e.g. `make test-postgres`), that server
with every table dropped and created again; each test starts empty either way.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from app import create_app
from app.database import engine_for, init_db
from contract_tests.defaults import GENEROUS_THROTTLING

# Argon2 at its cheapest: hashing stays real, tests stay fast.
FAST_HASHING = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 256}
DEFAULT_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with every table, which each test gets a copy of."""
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    template_app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", **FAST_HASHING})
    init_db(template_app)
    engine_for(template_app).dispose()
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The server named by DATABASE_URL when set, else a SQLite file that only this test uses."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url: str) -> dict[str, Any]:
    """The settings `app` is built with; override this fixture to change one.

    Throttling is on, with the gate's limits: none that a test's many sign-ins from one address reach, and
    the default per-account limit (tests/app/test_throttle.py sets its own).
    """
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        **FAST_HASHING,
        **GENEROUS_THROTTLING,
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    flask_app = create_app(app_config)
    # A shared server keeps the previous test's rows: start from empty tables.
    init_db(flask_app, drop=not app_config["DATABASE_URL"].startswith("sqlite"))
    yield flask_app
    # Close pooled connections so a PostgreSQL server does not collect one per test.
    engine_for(flask_app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the app's database, to check what the API stored (call `expire_all()` to re-read)."""
    with Session(engine_for(app), expire_on_commit=False) as session:
        yield session


class AuthActions:
    """Register, log in and build Authorization headers, the way a client of the API would."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def register(self, username: str = "alice", password: str = DEFAULT_PASSWORD) -> Any:
        return self._client.post("/api/auth/register", json={"username": username, "password": password})

    def login(self, username: str = "alice", password: str = DEFAULT_PASSWORD) -> Any:
        return self._client.post("/api/auth/login", json={"username": username, "password": password})

    def token(self, username: str = "alice", password: str = DEFAULT_PASSWORD) -> str:
        """A fresh bearer token for the user, registering them first if needed."""
        registered = self.register(username, password)
        assert registered.status_code in (201, 409), registered.get_json()
        response = self.login(username, password)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    def headers(self, username: str = "alice", password: str = DEFAULT_PASSWORD) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username, password)}"}


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def auth_headers(auth: AuthActions) -> dict[str, str]:
    """Authorization headers of a registered, logged-in user `alice`."""
    return auth.headers("alice")
