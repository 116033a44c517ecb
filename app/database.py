"""Database wiring: one engine per app, one session per request, and the CLI commands that create tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateIndex

from app.models import Base

EXTENSION_KEY = "todo-db"


def init_app(app: Flask) -> None:
    """Create the engine lazily-connecting and register session teardown and CLI commands."""
    url: str = app.config["DATABASE_URL"]
    options: dict = {"future": True, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        # The dev server and the test client may use a connection from another thread.
        options["connect_args"] = {"check_same_thread": False, "timeout": 15}
        options.pop("pool_pre_ping")
    engine = create_engine(url, **options)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    app.extensions[EXTENSION_KEY] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_demo_command)


def engine_for(app: Flask) -> Engine:
    """The app's engine (tests use it to inspect what was stored)."""
    return app.extensions[EXTENSION_KEY].kw["bind"]


def get_session() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION_KEY]()
    return g.db_session


# Columns added since the first release, which `init-db` adds to an existing table: (table, column, DDL).
ADDED_COLUMNS = (("todos", "version", "INTEGER NOT NULL DEFAULT 1"),)


def init_db(app: Flask, *, drop: bool = False) -> None:
    """Create every table (after dropping them when asked) and bring an existing database up to date."""
    engine = engine_for(app)
    if drop:
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    _upgrade(engine)


def _upgrade(engine: Engine) -> None:
    """Add what `create_all` does not: new columns and indexes of tables that already exist."""
    with engine.begin() as connection:
        inspector = inspect(connection)
        for table, column, ddl in ADDED_COLUMNS:
            if column not in {c["name"] for c in inspector.get_columns(table)}:
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
        # Reflection does not see expression indexes (lower(username)) on SQLite: let the database check.
        for table in Base.metadata.sorted_tables:
            for index in table.indexes:
                try:
                    connection.execute(CreateIndex(index, if_not_exists=True))
                except IntegrityError as exc:
                    raise click.ClickException(
                        f"Cannot create the unique index {index.name} on {table.name}: existing rows "
                        f"break it ({exc.orig}). Rename or remove the duplicates, then run init-db again."
                    ) from exc


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@click.command("init-db")
@click.option("--drop", is_flag=True, help="Drop existing tables first (destroys data).")
@with_appcontext
def init_db_command(drop: bool) -> None:
    """Create the database tables."""
    init_db(current_app, drop=drop)
    click.echo("Initialized the database.")


@click.command("seed-demo")
@click.option("--username", default="demo", show_default=True)
@click.option("--password", default="demo-password", show_default=True)
@with_appcontext
def seed_demo_command(username: str, password: str) -> None:
    """Create a demo user with a few todos (idempotent: an existing user is left as is)."""
    from app.auth.service import create_user, find_user
    from app.schemas.auth import RegistrationSchema
    from app.todos.service import create_todo

    # The same rules as POST /api/auth/register, or the demo user could not log in through the API.
    problems = RegistrationSchema().validate({"username": username, "password": password})
    if problems:
        raise click.UsageError(f"Not a valid account: {problems}")
    init_db(current_app)
    session = get_session()
    if find_user(session, username) is not None:
        click.echo(f"User {username!r} already exists; nothing to do.")
        return
    user = create_user(session, username, password)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    samples = [
        {"title": "Read the API docs at /docs", "priority": "high", "tags": ["onboarding"]},
        {
            "title": "Write the first contract test",
            "priority": "normal",
            "tags": ["testing"],
            "due_at": now + dt.timedelta(days=2),
        },
        {"title": "Water the plants", "done": True, "priority": "low", "tags": ["home"]},
    ]
    for sample in samples:
        create_todo(session, user, sample)
    session.commit()
    click.echo(f"Created user {username!r} (password {password!r}) with {len(samples)} todos.")
