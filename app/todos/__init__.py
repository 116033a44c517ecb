"""Todos under /api/todos: each user sees and changes only their own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.api import Blueprint
from app.auth.guard import current_user, login_required
from app.database import get_session
from app.models import ID_MAX, Todo
from app.schemas.todos import (
    PreconditionHeadersSchema,
    TodoCreateSchema,
    TodoListQuerySchema,
    TodoPatchSchema,
    TodoReplaceSchema,
    TodoSchema,
)
from app.todos.service import create_todo, delete_todo, get_owned_todo, list_todos, update_todo

# A write whose row changed between read and UPDATE is read and checked again; without If-Match it then
# applies to the new version (last writer wins), so this bounds how often a hot todo is retried.
WRITE_ATTEMPTS = 5

blp = Blueprint("todos", __name__, url_prefix="/api/todos", description="A user's todos.")

ITEM_RULE = f"/<int(min=1, max={ID_MAX}):todo_id>"


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "schema": schema, "required": True}


ETAG = {
    "ETag": _header(
        "Strong validator of this representation; send it back in `If-Match`.", {"type": "string"}
    )
}
LOCATION = {"Location": _header("URL of the new todo.", {"type": "string", "format": "uri-reference"})}
PAGINATION = {
    "X-Total-Count": _header("Todos matching the filters, on all pages.", {"type": "integer", "minimum": 0}),
    "X-Page": _header("This page's number (1-based).", {"type": "integer", "minimum": 1}),
    "X-Per-Page": _header("Page size used.", {"type": "integer", "minimum": 1}),
    "X-Total-Pages": _header("Number of pages (0 when nothing matches).", {"type": "integer", "minimum": 0}),
}
ITEM_LINKS = {
    name: {"operationId": operation, "parameters": {"todo_id": "$response.body#/id"}, "description": text}
    for name, operation, text in (
        ("GetTodo", "getTodo", "Read the todo just created."),
        ("UpdateTodo", "updateTodo", "Change some of its fields."),
        ("ReplaceTodo", "replaceTodo", "Replace it."),
        ("DeleteTodo", "deleteTodo", "Delete it."),
    )
}

_todo_schema = TodoSchema()


def etag_of(todo: Todo) -> str:
    """A strong ETag: any change to the representation changes it."""
    body = json.dumps(_todo_schema.dump(todo), sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


def _owned_or_404(todo_id: int) -> Todo:
    todo = get_owned_todo(get_session(), current_user(), todo_id)
    if todo is None:
        abort(404, message=f"Todo {todo_id} does not exist.")
    return todo


def _lists_tags(headers: dict[str, Any]) -> bool:
    return "if_match" in headers and not request.if_match.star_tag


def _check_if_match(todo: Todo, headers: dict[str, Any]) -> None:
    if _lists_tags(headers) and not request.if_match.contains(etag_of(todo).strip('"')):
        _precondition_failed()


def _precondition_failed() -> None:
    abort(412, message="The todo changed since you read it (If-Match does not match its ETag); re-read it.")


@blp.route("")
class TodoCollection(MethodView):
    @login_required(blp)
    @blp.doc(operationId="listTodos", summary="List your todos")
    @blp.arguments(TodoListQuerySchema, location="query")
    @blp.response(200, TodoSchema(many=True), headers=PAGINATION, description="One page of todos.")
    def get(self, query: dict[str, Any]) -> tuple[list[Todo], int, dict[str, str]]:
        """Filter by `done`, `priority`, `tag` and text `q`; sort with `sort`; page with `page`/`per_page`."""
        page = list_todos(get_session(), current_user(), query)
        headers = {
            "X-Total-Count": str(page.total),
            "X-Page": str(page.page),
            "X-Per-Page": str(page.per_page),
            "X-Total-Pages": str(page.total_pages),
        }
        return page.items, 200, headers

    @login_required(blp)
    @blp.doc(operationId="createTodo", summary="Create a todo", responses={201: {"links": ITEM_LINKS}})
    @blp.arguments(TodoCreateSchema, example={"title": "Buy milk", "tags": ["home"], "priority": "high"})
    @blp.response(201, TodoSchema, headers={**LOCATION, **ETAG}, description="The todo was created.")
    def post(self, data: dict[str, Any]) -> Response:
        session = get_session()
        todo = create_todo(session, current_user(), data)
        session.commit()
        location = url_for("todos.TodoItem", todo_id=todo.id)
        return todo, 201, {"Location": location, "ETag": etag_of(todo)}


@blp.route(ITEM_RULE)
class TodoItem(MethodView):
    @login_required(blp)
    @blp.doc(operationId="getTodo", summary="Read a todo")
    @blp.response(200, TodoSchema, headers=ETAG)
    @blp.errors(404)
    def get(self, todo_id: int) -> tuple[Todo, int, dict[str, str]]:
        todo = _owned_or_404(todo_id)
        return todo, 200, {"ETag": etag_of(todo)}

    @login_required(blp)
    @blp.arguments(PreconditionHeadersSchema, location="headers")
    @blp.doc(operationId="updateTodo", summary="Change some fields of a todo")
    @blp.arguments(TodoPatchSchema, example={"done": True})
    @blp.response(200, TodoSchema, headers=ETAG, description="The updated todo.")
    @blp.errors(404, 412, 503)
    def patch(
        self, headers: dict[str, Any], data: dict[str, Any], todo_id: int
    ) -> tuple[Todo, int, dict[str, str]]:
        return self._change(todo_id, headers, data)

    @login_required(blp)
    @blp.arguments(PreconditionHeadersSchema, location="headers")
    @blp.doc(operationId="replaceTodo", summary="Replace a todo")
    @blp.arguments(
        TodoReplaceSchema,
        example={
            "title": "Buy oat milk",
            "description": None,
            "done": False,
            "priority": "normal",
            "due_at": None,
            "tags": [],
        },
    )
    @blp.response(200, TodoSchema, headers=ETAG, description="The replaced todo.")
    @blp.errors(404, 412, 503)
    def put(
        self, headers: dict[str, Any], data: dict[str, Any], todo_id: int
    ) -> tuple[Todo, int, dict[str, str]]:
        return self._change(todo_id, headers, data)

    @login_required(blp)
    @blp.arguments(PreconditionHeadersSchema, location="headers")
    @blp.doc(operationId="deleteTodo", summary="Delete a todo")
    @blp.response(204, description="The todo is gone.")
    @blp.errors(404, 412, 503)
    def delete(self, headers: dict[str, Any], todo_id: int) -> None:
        _write(todo_id, headers, delete_todo)

    @staticmethod
    def _change(
        todo_id: int, headers: dict[str, Any], data: dict[str, Any]
    ) -> tuple[Todo, int, dict[str, str]]:
        todo = _write(todo_id, headers, lambda _session, todo: update_todo(todo, data))
        return todo, 200, {"ETag": etag_of(todo)}


def _write(todo_id: int, headers: dict[str, Any], change: Callable[[Session, Todo], object]) -> Todo:
    """Read, check If-Match, change and commit as one step.

    The UPDATE or DELETE applies only to the version that was read (the mapper's version column), so of
    several writers holding the same ETag exactly one commits and the others get 412. A write without a
    precondition (or with `*`) that loses the race reads the new version and applies to it.
    """
    session = get_session()
    for _attempt in range(WRITE_ATTEMPTS):
        todo = _owned_or_404(todo_id)
        _check_if_match(todo, headers)
        try:
            change(session, todo)
            session.commit()
        except StaleDataError:
            session.rollback()
            if _lists_tags(headers):  # the version its tags matched is no longer current
                _precondition_failed()
            continue
        return todo
    abort(
        503,
        message=f"Todo {todo_id} changed {WRITE_ATTEMPTS} times while this request wrote it; retry.",
        headers={"Retry-After": "1"},
    )
