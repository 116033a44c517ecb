"""Database wiring: one engine per app, one session per request, and the CLI commands that create tables."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlalchemy import URL, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateIndex
from werkzeug.exceptions import ServiceUnavailable

from app.errors import error_payload
from app.models import Base
from app.sqlite_turns import TurnTakingConnection, WriterTurns

logger = logging.getLogger(__name__)

EXTENSION_KEY = "todo-db"


def init_app(app: Flask) -> None:
    """Create the lazily-connecting engine; register session teardown, the 503 handler and CLI commands."""
    engine = create_engine(app.config["DATABASE_URL"], **engine_options(app.config))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
    app.extensions[EXTENSION_KEY] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)
    app.register_error_handler(SQLAlchemyError, _database_unavailable)
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_demo_command)


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """`create_engine` options that bound every wait: connecting, a pooled connection, each statement."""
    url = make_url(config["DATABASE_URL"])
    options: dict[str, Any] = {"future": True, "pool_timeout": config["DATABASE_POOL_TIMEOUT"]}
    if url.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(url)
        # The dev server and the test client may use a connection from another thread; writes queue
        # for their turn in the process (app/sqlite_turns.py) before they wait for SQLite's lock.
        options["connect_args"] = {"check_same_thread": False, "factory": TurnTakingConnection}
    elif url.get_backend_name() == "postgresql":
        # A connection the server dropped (restart, idle timeout) is replaced before a request sees it.
        options["pool_pre_ping"] = True
        # Server-side limits, sent once per connection with the startup packet (no extra round trip).
        limits = " ".join(
            f"-c {name}={config[key]}"
            for name, key in (
                ("statement_timeout", "DATABASE_STATEMENT_TIMEOUT_MS"),
                ("lock_timeout", "DATABASE_LOCK_TIMEOUT_MS"),
                ("idle_in_transaction_session_timeout", "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS"),
            )
        )
        own = url.query.get("options")
        options["connect_args"] = {
            "connect_timeout": config["DATABASE_CONNECT_TIMEOUT"],
            "options": f"{own} {limits}" if isinstance(own, str) else limits,
        }
    return options


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


# What a client is told: nothing of the driver, the host or the query.
UNAVAILABLE_MESSAGE = "The database is unavailable or too slow to answer; retry later."

# SQLite's primary result codes that mean "not now" (another writer, the disk, the file), not a bug.
SQLITE_UNAVAILABLE_CODES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot serve now (retry later), as opposed to a bug in a query.

    PostgreSQL reports every such case as an OperationalError: refused or timed-out connections, a
    statement or lock timeout, a server shutting down, too many connections, a deadlock. SQLite also uses
    OperationalError for mistakes (no such table), so only its busy, locked and I/O codes count.
    """
    if isinstance(exc, PoolTimeoutError):  # every pooled connection stayed busy for pool_timeout
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return (getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF) in SQLITE_UNAVAILABLE_CODES
    return True


def _database_unavailable(exc: SQLAlchemyError) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The documented 503 (the error envelope with `Retry-After`) for a database that cannot serve now."""
    if not is_unavailable(exc):
        raise exc  # a bug: Flask's usual 500 path logs it with its traceback
    logger.warning("Database unavailable, answering 503: %s", describe(exc))
    error = ServiceUnavailable()
    retry_after = str(current_app.config["DATABASE_RETRY_AFTER_SECONDS"])
    error.data = {"message": UNAVAILABLE_MESSAGE, "headers": {"Retry-After": retry_after}}
    return error_payload(error)


def describe(exc: BaseException) -> str:
    """One log line for a database failure: the driver's exception type and first line of its message."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    # SQLite's extended code tells a lock waited out (SQLITE_BUSY) from a stale snapshot (_BUSY_SNAPSHOT).
    code = getattr(cause, "sqlite_errorname", None)
    return f"{type(cause).__name__}: {lines[0] if lines else ''}" + (f" ({code})" if code else "")


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is not None:
            session.rollback()
        session.close()
    except SQLAlchemyError as error:  # the response is already made; a dead connection must not undo it
        logger.warning("Closing the database session failed: %s", describe(error))


def _sqlite_on_connect(busy_timeout_ms: int) -> Callable[..., None]:
    """A connect listener: foreign keys on, and several processes writing one file without a 500.

    WAL lets readers go on while one connection writes; busy_timeout makes a writer wait for another
    process's lock (up to `busy_timeout_ms`) instead of failing at once with `database is locked`; the
    engine's writer turns queue the threads of this process (each also waits up to `busy_timeout_ms`).
    """
    turns = WriterTurns()

    def on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        if isinstance(dbapi_connection, TurnTakingConnection):
            dbapi_connection.share_turns(turns, busy_timeout_ms / 1000)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return on_connect


def _ensure_sqlite_folder(url: URL) -> None:
    path = url.database
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
