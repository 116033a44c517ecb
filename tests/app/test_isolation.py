"""Two users: each sees and changes only their own todos; another user's todo is a 404, never a 403."""

from __future__ import annotations

import pytest

from app.models import Todo

REPLACEMENT = {
    "title": "Mine now",
    "description": None,
    "done": True,
    "priority": "low",
    "due_at": None,
    "tags": [],
}


@pytest.fixture
def bob_headers(auth):
    return auth.headers("bob")


@pytest.mark.parametrize(
    ("method", "payload"),
    [("get", None), ("patch", {"title": "Mine now"}), ("put", REPLACEMENT), ("delete", None)],
)
def test_other_users_todo_is_404(client, make_todo, bob_headers, db, expect_error, method, payload):
    alices = make_todo(title="Alice's secret")
    kwargs = {"json": payload} if payload is not None else {}
    response = getattr(client, method)(f"/api/todos/{alices['id']}", headers=bob_headers, **kwargs)
    body = expect_error(response, 404)
    assert "Alice" not in body["message"]
    db.expire_all()
    stored = db.get(Todo, alices["id"])
    assert stored is not None
    assert stored.title == "Alice's secret"


def test_other_users_todo_with_a_matching_etag_is_still_404(
    client, auth_headers, make_todo, bob_headers, expect_error
):
    alices = make_todo()
    url = f"/api/todos/{alices['id']}"
    etag = client.get(url, headers=auth_headers).headers["ETag"]
    expect_error(client.delete(url, headers={**bob_headers, "If-Match": etag}), 404)
    expect_error(client.delete(url, headers={**bob_headers, "If-Match": "*"}), 404)


def test_lists_show_only_the_callers_todos(client, make_todo, auth_headers, bob_headers):
    make_todo(title="Alice's", tags=["shared"])
    make_todo(headers=bob_headers, title="Bob's", tags=["shared"])
    for headers, title in ((auth_headers, "Alice's"), (bob_headers, "Bob's")):
        for query in ("", "?tag=shared", "?q=s", "?sort=title"):
            response = client.get(f"/api/todos{query}", headers=headers)
            assert [todo["title"] for todo in response.get_json()] == [title], (query, response.get_json())
            assert response.headers["X-Total-Count"] == "1"


def test_me_tells_users_apart(client, auth_headers, bob_headers):
    alice = client.get("/api/auth/me", headers=auth_headers).get_json()
    bob = client.get("/api/auth/me", headers=bob_headers).get_json()
    assert (alice["username"], bob["username"]) == ("alice", "bob")
    assert alice["id"] != bob["id"]
