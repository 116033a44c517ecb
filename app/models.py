"""Tables: users, their bearer tokens, and their todos; column sizes match the documented bounds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

USERNAME_MAX = 32
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
TAG_MAX = 32
TAGS_MAX = 10
PRIORITIES = ("low", "normal", "high")
ID_MAX = 2**31 - 1  # PostgreSQL INTEGER, the narrowest id column we run on


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator):
    """Stores UTC and always hands back aware UTC datetimes, also on SQLite, which drops the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


# One account per name whatever its case (usernames are ASCII, so lower() agrees on every database).
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class AccessToken(Base):
    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # HMAC of the token: a leaked table does not leak usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class Todo(Base):
    __tablename__ = "todos"
    # SQLite hands a new row the highest rowid + 1, so without AUTOINCREMENT the id of the newest todo, once
    # deleted, comes back for the next one: a client still holding its URL would reach another todo.
    # PostgreSQL's sequence never gives an id twice; AUTOINCREMENT makes SQLite agree.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_MAX), nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    priority: Mapped[str] = mapped_column(String(8), default="normal", nullable=False)
    # The due date keeps the offset the client sent (RFC 3339 text), so years 1..9999 in any offset
    # round-trip; `due_sort` (microseconds since the epoch, UTC) orders them.
    due_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    due_sort: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    # Bumped by every UPDATE, which only applies `WHERE version = <the version read>`: of two writers that
    # read the same version, the second matches no row (StaleDataError), so a precondition cannot race.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    tag_rows: Mapped[list[TodoTag]] = relationship(
        order_by="TodoTag.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        return [row.name for row in self.tag_rows]


class TodoTag(Base):
    __tablename__ = "todo_tags"
    __table_args__ = (UniqueConstraint("todo_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    todo_id: Mapped[int] = mapped_column(
        ForeignKey("todos.id", ondelete="CASCADE"), index=True, nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(TAG_MAX), index=True, nullable=False)
