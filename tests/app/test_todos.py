"""Todos: create, read, change, replace, delete; the stored rows, `Location`, `ETag` and `If-Match`."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.models import Todo, TodoTag, User

FULL = {
    "title": "Write the report",
    "description": "Two pages, figures included",
    "done": False,
    "priority": "high",
    "due_at": "2026-12-01T09:30:00+02:00",
    "tags": ["work", "writing"],
}
RESPONSE_FIELDS = {
    "id",
    "title",
    "description",
    "done",
    "priority",
    "due_at",
    "tags",
    "created_at",
    "updated_at",
}


def _stored(db, todo_id):
    db.expire_all()
    return db.get(Todo, todo_id)


def _parse(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_create_stores_the_todo_for_its_owner(client, auth_headers, db):
    response = client.post("/api/todos", json=FULL, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body.keys() == RESPONSE_FIELDS
    assert {key: body[key] for key in FULL} == FULL
    assert response.headers["Location"] == f"/api/todos/{body['id']}"
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith("Z")

    todo = _stored(db, body["id"])
    owner = db.scalar(select(User).where(User.username == "alice"))
    assert todo.owner_id == owner.id
    assert (todo.title, todo.description, todo.done, todo.priority) == (
        FULL["title"],
        FULL["description"],
        False,
        "high",
    )
    assert todo.tags == ["work", "writing"]
    assert _parse(todo.due_at) == _parse(FULL["due_at"])


def test_create_with_only_a_title_uses_the_defaults(client, auth_headers):
    response = client.post("/api/todos", json={"title": "Buy milk"}, headers=auth_headers)
    assert response.status_code == 201
    body = response.get_json()
    assert body["description"] is None
    assert body["done"] is False
    assert body["priority"] == "normal"
    assert body["due_at"] is None
    assert body["tags"] == []


def test_location_and_get_return_the_same_todo_and_etag(client, auth_headers):
    created = client.post("/api/todos", json=FULL, headers=auth_headers)
    fetched = client.get(created.headers["Location"], headers=auth_headers)
    assert fetched.status_code == 200
    assert fetched.get_json() == created.get_json()
    assert fetched.headers["ETag"] == created.headers["ETag"]


def test_patch_changes_only_the_fields_sent(client, auth_headers, make_todo, db):
    todo = make_todo(**FULL)
    response = client.patch(f"/api/todos/{todo['id']}", json={"done": True}, headers=auth_headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["done"] is True
    assert {k: body[k] for k in FULL if k != "done"} == {k: FULL[k] for k in FULL if k != "done"}
    assert _parse(body["updated_at"]) > _parse(todo["updated_at"])
    assert body["created_at"] == todo["created_at"]
    assert _stored(db, todo["id"]).done is True


def test_patch_can_clear_nullable_fields_and_reorder_tags(client, auth_headers, make_todo, db):
    todo = make_todo(**FULL)
    response = client.patch(
        f"/api/todos/{todo['id']}",
        json={"description": None, "due_at": None, "tags": ["writing", "urgent"]},
        headers=auth_headers,
    )
    assert response.status_code == 200, response.get_json()
    stored = _stored(db, todo["id"])
    assert stored.description is None and stored.due_at is None
    assert stored.tags == ["writing", "urgent"]
    assert db.scalar(select(func.count()).select_from(TodoTag)) == 2


def test_put_replaces_every_field(client, auth_headers, make_todo, db):
    todo = make_todo(**FULL)
    etag = client.get(f"/api/todos/{todo['id']}", headers=auth_headers).headers["ETag"]
    replacement = {
        "title": "Renamed",
        "description": None,
        "done": True,
        "priority": "low",
        "due_at": None,
        "tags": [],
    }
    response = client.put(f"/api/todos/{todo['id']}", json=replacement, headers=auth_headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {key: body[key] for key in replacement} == replacement
    assert response.headers["ETag"] != etag
    stored = _stored(db, todo["id"])
    assert (stored.title, stored.description, stored.done, stored.priority, stored.due_at, stored.tags) == (
        "Renamed",
        None,
        True,
        "low",
        None,
        [],
    )


def test_put_without_every_field_is_422(client, auth_headers, make_todo, expect_error, db):
    todo = make_todo(**FULL)
    body = expect_error(
        client.put(f"/api/todos/{todo['id']}", json={"title": "Only a title"}, headers=auth_headers), 422
    )
    assert set(body["errors"]["json"]) == {"description", "done", "priority", "due_at", "tags"}
    assert _stored(db, todo["id"]).title == FULL["title"]


def test_delete_removes_the_todo_and_its_tags(client, auth_headers, make_todo, db, expect_error):
    todo = make_todo(**FULL)
    response = client.delete(f"/api/todos/{todo['id']}", headers=auth_headers)
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert _stored(db, todo["id"]) is None
    assert db.scalar(select(func.count()).select_from(TodoTag)) == 0
    expect_error(client.get(f"/api/todos/{todo['id']}", headers=auth_headers), 404)
    expect_error(client.delete(f"/api/todos/{todo['id']}", headers=auth_headers), 404)


def test_a_deleted_todos_id_is_never_given_to_another(client, auth_headers, make_todo, expect_error):
    # The newest todo's id, once deleted, would come back on SQLite (highest rowid + 1) without AUTOINCREMENT:
    # a client still holding its URL would then read or delete someone's new todo instead of getting 404.
    make_todo(title="first")
    newest = make_todo(title="newest")
    assert client.delete(f"/api/todos/{newest['id']}", headers=auth_headers).status_code == 204
    created = make_todo(title="after the delete")
    assert created["id"] > newest["id"]
    expect_error(client.get(f"/api/todos/{newest['id']}", headers=auth_headers), 404)


def test_etag_changes_with_the_representation(client, auth_headers, make_todo):
    todo = make_todo()
    url = f"/api/todos/{todo['id']}"
    before = client.get(url, headers=auth_headers).headers["ETag"]
    assert client.get(url, headers=auth_headers).headers["ETag"] == before
    after = client.patch(url, json={"title": "Buy oat milk"}, headers=auth_headers).headers["ETag"]
    assert after != before
    assert client.get(url, headers=auth_headers).headers["ETag"] == after


WRITES = [
    ("patch", {"done": True}),
    ("put", {"title": "T", "description": None, "done": True, "priority": "low", "due_at": None, "tags": []}),
    ("delete", None),
]


@pytest.mark.parametrize(("method", "payload"), WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("if_match", ['"0123456789abcdef"', "W/{etag}", '"stale", "other"'])
def test_if_match_without_the_current_etag_is_412_and_changes_nothing(
    client, auth_headers, make_todo, db, expect_error, method, payload, if_match
):
    todo = make_todo(**FULL)
    url = f"/api/todos/{todo['id']}"
    etag = client.get(url, headers=auth_headers).headers["ETag"]
    headers = {**auth_headers, "If-Match": if_match.format(etag=etag)}
    kwargs = {"json": payload} if payload is not None else {}
    body = expect_error(getattr(client, method)(url, headers=headers, **kwargs), 412)
    assert "If-Match" in body["message"]
    stored = _stored(db, todo["id"])
    assert stored is not None
    assert (stored.title, stored.done) == (FULL["title"], FULL["done"])
    assert client.get(url, headers=auth_headers).headers["ETag"] == etag


@pytest.mark.parametrize(("method", "payload"), WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("if_match", ["{etag}", '"stale", {etag}', "*"], ids=["exact", "listed", "star"])
def test_if_match_with_the_current_etag_succeeds(
    client, auth_headers, make_todo, db, method, payload, if_match
):
    todo = make_todo(**FULL)
    url = f"/api/todos/{todo['id']}"
    etag = client.get(url, headers=auth_headers).headers["ETag"]
    headers = {**auth_headers, "If-Match": if_match.format(etag=etag)}
    kwargs = {"json": payload} if payload is not None else {}
    response = getattr(client, method)(url, headers=headers, **kwargs)
    assert response.status_code == (204 if method == "delete" else 200), response.get_json()
    stored = _stored(db, todo["id"])
    if method == "delete":
        assert stored is None
    else:
        assert stored.done is True
        assert response.headers["ETag"] != etag


def test_a_second_write_with_the_first_etag_is_412(client, auth_headers, make_todo, expect_error):
    """Two clients read the same todo; the one that writes second must re-read first."""
    todo = make_todo()
    url = f"/api/todos/{todo['id']}"
    etag = client.get(url, headers=auth_headers).headers["ETag"]
    first = client.patch(url, json={"done": True}, headers={**auth_headers, "If-Match": etag})
    assert first.status_code == 200
    expect_error(client.patch(url, json={"title": "Mine"}, headers={**auth_headers, "If-Match": etag}), 412)


INVALID_TODOS = [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": None}, "title"),
    ({"title": "ok", "description": "x" * 2001}, "description"),
    ({"title": "ok", "priority": "urgent"}, "priority"),
    ({"title": "ok", "tags": ["a", "a"]}, "tags"),
    ({"title": "ok", "tags": [f"t{i}" for i in range(11)]}, "tags"),
    ({"title": "ok", "tags": [""]}, "tags"),
    ({"title": "ok", "tags": ["x" * 33]}, "tags"),
    ({"title": "ok", "tags": "home"}, "tags"),
    ({"title": "ok", "due_at": "2026-12-01T09:30:00"}, "due_at"),
    ({"title": "ok", "due_at": "2026-02-30T09:30:00Z"}, "due_at"),
    ({"title": "ok", "due_at": "tomorrow"}, "due_at"),
    ({"title": "bad\u0000title"}, "title"),
]


def test_create_with_invalid_fields_is_422_and_stores_nothing(client, auth_headers, db, expect_error):
    for payload, field in INVALID_TODOS:
        body = expect_error(client.post("/api/todos", json=payload, headers=auth_headers), 422)
        assert field in body["errors"]["json"], (payload, body)
    assert db.scalar(select(func.count()).select_from(Todo)) == 0


def test_patch_with_invalid_fields_is_422_and_changes_nothing(
    client, auth_headers, make_todo, db, expect_error
):
    todo = make_todo(**FULL)
    for payload, field in INVALID_TODOS:
        if field not in payload:  # PATCH has no required field
            continue
        response = client.patch(f"/api/todos/{todo['id']}", json=payload, headers=auth_headers)
        body = expect_error(response, 422)
        assert field in body["errors"]["json"], (payload, body)
    assert client.get(f"/api/todos/{todo['id']}", headers=auth_headers).get_json() == todo


@pytest.mark.parametrize("char", ["x", "\u00e9", "\U0001f600"], ids=["ascii", "two-byte", "astral"])
def test_length_bounds_are_inclusive_and_count_characters(client, auth_headers, db, char):
    """The maximum lengths are characters, as JSON Schema counts them, and the columns must hold them."""
    payload = {
        "title": char * 200,
        "description": char * 2000,
        "tags": [f"{i}".rjust(32, char) for i in range(10)],
    }
    response = client.post("/api/todos", json=payload, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    stored = _stored(db, response.get_json()["id"])
    assert (stored.title, stored.description, stored.tags) == (
        payload["title"],
        payload["description"],
        payload["tags"],
    )
