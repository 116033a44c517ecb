"""Todo persistence: create, change, find (only the owner's) and list with filters, sorting and pages."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.models import Todo, TodoTag, User, utcnow
from app.schemas.enums import Priority, TodoSort

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_PRIORITY_RANK = {Priority.LOW.value: 0, Priority.NORMAL.value: 1, Priority.HIGH.value: 2}


@dataclass(slots=True, frozen=True)
class Page:
    items: list[Todo]
    total: int
    page: int
    per_page: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0


def create_todo(session: Session, owner: User, data: Mapping[str, Any]) -> Todo:
    now = utcnow()
    todo = Todo(owner_id=owner.id, title=data["title"], created_at=now, updated_at=now)
    _apply(
        todo, {"description": None, "done": False, "priority": Priority.NORMAL, "due_at": None, "tags": []}
    )
    _apply(todo, data)
    session.add(todo)
    session.flush()
    return todo


def update_todo(todo: Todo, data: Mapping[str, Any]) -> Todo:
    _apply(todo, data)
    todo.updated_at = max(utcnow(), todo.updated_at + dt.timedelta(microseconds=1))
    return todo


def delete_todo(session: Session, todo: Todo) -> None:
    """Delete the version that was read (its tags go by ON DELETE CASCADE); StaleDataError if it changed."""
    statement = delete(Todo).where(Todo.id == todo.id, Todo.version == todo.version)
    result = session.execute(statement.execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaleDataError(f"Todo {todo.id} changed or was deleted since version {todo.version} was read")
    session.expunge(todo)


def get_owned_todo(session: Session, owner: User, todo_id: int) -> Todo | None:
    """The todo if it exists and belongs to owner; another user's todo is indistinguishable from none."""
    return session.scalar(select(Todo).where(Todo.id == todo_id, Todo.owner_id == owner.id))


def list_todos(session: Session, owner: User, query: Mapping[str, Any]) -> Page:
    stmt = _filtered(select(Todo).where(Todo.owner_id == owner.id), query)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page, per_page = query["page"], query["per_page"]
    items = session.scalars(_sorted(stmt, query["sort"]).offset((page - 1) * per_page).limit(per_page)).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def _apply(todo: Todo, data: Mapping[str, Any]) -> None:
    for name in ("title", "description", "done"):
        if name in data:
            setattr(todo, name, data[name])
    if "priority" in data:
        todo.priority = Priority(data["priority"]).value
    if "due_at" in data:
        due: dt.datetime | None = data["due_at"]
        todo.due_at = None if due is None else due.isoformat()
        # Aware subtraction never overflows, unlike converting year 1 at +05:00 to UTC.
        todo.due_sort = None if due is None else (due - _EPOCH) // dt.timedelta(microseconds=1)
    if "tags" in data:
        existing = {row.name: row for row in todo.tag_rows}
        rows = []
        for position, name in enumerate(data["tags"]):
            row = existing.get(name) or TodoTag(name=name, position=position)
            row.position = position
            rows.append(row)
        todo.tag_rows = rows


def _filtered(stmt: Select, query: Mapping[str, Any]) -> Select:
    if "done" in query:
        stmt = stmt.where(Todo.done.is_(query["done"]))
    if "priority" in query:
        stmt = stmt.where(Todo.priority == Priority(query["priority"]).value)
    if "tag" in query:
        stmt = stmt.where(Todo.tag_rows.any(TodoTag.name == query["tag"]))
    if "q" in query:
        needle = query["q"]
        stmt = stmt.where(
            Todo.title.icontains(needle, autoescape=True)
            | Todo.description.icontains(needle, autoescape=True)
        )
    return stmt


def _sorted(stmt: Select, sort: TodoSort | str) -> Select:
    key = TodoSort(sort).value
    descending = key.startswith("-")
    column = {
        "created_at": Todo.created_at,
        "updated_at": Todo.updated_at,
        "due_at": Todo.due_sort,
        "priority": case(_PRIORITY_RANK, value=Todo.priority),
        "title": Todo.title,
    }[key.lstrip("-")]
    ordered = column.desc() if descending else column.asc()
    tiebreak = Todo.id.desc() if descending else Todo.id.asc()
    return stmt.order_by(ordered.nulls_last(), tiebreak)
