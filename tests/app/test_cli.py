"""The `init-db` and `seed-demo` commands, run as `flask --app app <command>` would run them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select, text

from app.database import engine_for
from app.models import Base, Todo, User


def test_init_db_creates_every_table(app, runner):
    engine = engine_for(app)
    Base.metadata.drop_all(engine)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialized" in result.output
    assert {"users", "access_tokens", "todos", "todo_tags"} <= set(inspect(engine).get_table_names())


def test_seed_demo_creates_a_user_who_can_log_in(runner, client, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.username == "demo"))
    assert user is not None
    assert db.scalar(select(func.count()).select_from(Todo).where(Todo.owner_id == user.id)) == 3
    login = client.post("/api/auth/login", json={"username": "demo", "password": "demo-password"})
    assert login.status_code == 200
    todos = client.get("/api/todos", headers={"Authorization": f"Bearer {login.get_json()['access_token']}"})
    assert todos.status_code == 200
    assert len(todos.get_json()) == 3


def test_seed_demo_twice_changes_nothing(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    assert db.scalar(select(func.count()).select_from(User)) == 1
    assert db.scalar(select(func.count()).select_from(Todo)) == 3


def test_seed_demo_with_a_custom_account_that_can_log_in(runner, auth):
    result = runner.invoke(args=["seed-demo", "--username", "grace", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    assert auth.login("grace", "a long password").status_code == 200


@pytest.mark.parametrize(
    ("option", "value"),
    [("--username", "no spaces allowed"), ("--password", "short")],
    ids=["username", "password"],
)
def test_seed_demo_refuses_an_account_the_api_would_refuse(runner, db, option, value):
    result = runner.invoke(args=["seed-demo", option, value])
    assert result.exit_code != 0
    assert "Not a valid account" in result.output, result.output
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_init_db_drop_empties_the_tables(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    result = runner.invoke(args=["init-db", "--drop"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(func.count()).select_from(User)) == 0
    assert db.scalar(select(func.count()).select_from(Todo)) == 0


def test_init_db_keeps_existing_data(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_init_db_adds_the_version_column_to_an_existing_database(app, runner, client, auth_headers, db):
    """A database created before todos had a version keeps its rows and gets the column, set to 1."""
    created = client.post("/api/todos", json={"title": "Old"}, headers=auth_headers).get_json()
    engine = engine_for(app)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE todos DROP COLUMN version"))
    assert "version" not in {c["name"] for c in inspect(engine).get_columns("todos")}
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(Todo.version).where(Todo.id == created["id"])) == 1
    url = f"/api/todos/{created['id']}"
    etag = client.get(url, headers=auth_headers).headers["ETag"]
    changed = client.patch(url, json={"done": True}, headers={**auth_headers, "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()


def test_init_db_names_usernames_that_differ_only_in_case(app, runner, db):
    """An old database may hold `Ada` and `ada`; the case-insensitive index cannot be built until one goes."""
    engine = engine_for(app)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX uq_users_username_lower"))
    db.add_all([User(username="Ada", password_hash="x"), User(username="ada", password_hash="y")])
    db.commit()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "uq_users_username_lower" in result.output and "duplicates" in result.output
