"""Throwaway PostgreSQL databases: created under any server URL, dropped whatever happens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

try:
    import psycopg  # noqa: F401  (the driver SQLAlchemy loads for postgresql+psycopg)
    from sqlalchemy import Engine, create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError
except ImportError as exc:  # pragma: no cover - depends on what is installed
    raise ValueError(
        "--fresh-database needs SQLAlchemy and psycopg: pip install 'todo-contract[postgres]' "
        "(or sqlalchemy and psycopg[binary] into this environment)"
    ) from exc

PREFIX = "contract"


def _admin_url(server_url: str) -> str:
    """The server URL with the psycopg 3 driver (plain `postgresql://` would mean psycopg2)."""
    url = make_url(server_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"--fresh-database needs a postgresql:// URL, got {server_url!r}")
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def database_name(url: str) -> str:
    """The database part of a URL, for the progress line."""
    return str(make_url(url).database)


def admin_engine(server_url: str) -> Engine:
    """An engine on the server of `server_url` that can CREATE/DROP DATABASE (never inside a transaction)."""
    return create_engine(_admin_url(server_url), isolation_level="AUTOCOMMIT", pool_size=1)


def unique_name(prefix: str = PREFIX) -> str:
    """A database name no other run picks: the prefix (letters, digits, _) and a random suffix."""
    safe = re.sub(r"[^a-z0-9_]", "_", prefix.lower())[:40] or PREFIX
    return f"{safe}_{secrets.token_hex(6)}"


@contextmanager
def fresh_postgres_database(server_url: str, prefix: str = PREFIX) -> Iterator[str]:
    """Create a uniquely named database on the server of `server_url`, yield its URL, drop it afterwards."""
    admin_url = _admin_url(server_url)
    name = unique_name(prefix)
    admin = admin_engine(server_url)
    try:
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except OperationalError as exc:
            raise ValueError(
                f"--fresh-database: cannot create database {name} on {make_url(admin_url)!r}: {exc.orig}. "
                "Start PostgreSQL or pass the URL of a server you can create databases on."
            ) from exc
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass(frozen=True, slots=True)
class FreshDatabases:
    """One run's databases on a PostgreSQL server: each target the run builds gets a new one of its own.

    Each process of the run (and the replay) starts from an empty database, as it does with a temporary
    SQLite file, so no process sees another's rows and the seed alone decides what each one does.
    """

    server_url: str
    # Every database of the run is named `<prefix>_<random>`; no other run's name starts so.
    prefix: str

    @classmethod
    def on(cls, server_url: str, prefix: str = PREFIX) -> FreshDatabases:
        """Check the URL now (a bad one fails before any process starts) and pick the run's prefix."""
        _admin_url(server_url)
        return cls(server_url, unique_name(prefix))

    @contextmanager
    def database(self) -> Iterator[str]:
        """A new database of this run, yielded as its URL and dropped afterwards."""
        with fresh_postgres_database(self.server_url, self.prefix) as url:
            yield url

    def drop_leftovers(self) -> list[str]:
        """Drop the run's databases that are still there (a process killed before its own cleanup).

        A server that cannot be reached holds none of them: the run could not have created any.
        """
        admin = admin_engine(self.server_url)
        mine = self.prefix + "_"
        left: list[str] = []
        try:
            with admin.connect() as connection:
                names = connection.execute(
                    text("SELECT datname FROM pg_database WHERE left(datname, length(:mine)) = :mine"),
                    {"mine": mine},
                ).scalars()
                left = sorted(names)
                for name in left:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except OperationalError:
            return left
        finally:
            admin.dispose()
        return left
