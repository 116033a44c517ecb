"""A throwaway PostgreSQL database for one run: created under any server URL, dropped whatever happens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import psycopg  # noqa: F401  (the driver SQLAlchemy loads for postgresql+psycopg)
    from sqlalchemy import create_engine, text
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


def unique_name(prefix: str = PREFIX) -> str:
    """A database name no other run picks: the prefix (letters, digits, _) and a random suffix."""
    safe = re.sub(r"[^a-z0-9_]", "_", prefix.lower())[:40] or PREFIX
    return f"{safe}_{secrets.token_hex(6)}"


@contextmanager
def fresh_postgres_database(server_url: str, prefix: str = PREFIX) -> Iterator[str]:
    """Create a uniquely named database on the server of `server_url`, yield its URL, drop it afterwards."""
    admin_url = _admin_url(server_url)
    name = unique_name(prefix)
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
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
