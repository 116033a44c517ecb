"""Fixtures for the gate's own tests: our app on a fresh SQLite file, and a logged-in user's headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.database import init_db

FAST_HASHING = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 256}


def build_app(database: Path) -> Flask:
    """Our app with a test configuration and its tables created."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}", **FAST_HASHING})
    init_db(app)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return build_app(tmp_path / "todo.sqlite3")


@pytest.fixture
def login() -> Callable[[Any, str], dict[str, str]]:
    """Register `username` through the API and return the headers that authenticate as them."""

    def _login(client: Any, username: str = "fault-tester") -> dict[str, str]:
        credentials = {"username": username, "password": "correct horse battery"}
        assert client.post("/api/auth/register", json=credentials).status_code == 201
        token = client.post("/api/auth/login", json=credentials).get_json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    return _login
