"""The fault injector: each fault breaks the contract the way its description says, and only there."""

from __future__ import annotations

import pytest

from .faults import FAULTS, inject

TODO = {"title": "Buy milk", "tags": ["home"]}


@pytest.fixture
def user(client, auth_headers):
    """A client on the app and the headers of a logged-in user (before any fault is injected)."""
    return client, auth_headers


def test_every_fault_names_a_check_and_operations():
    assert len(FAULTS) == 12
    for fault in FAULTS.values():
        assert fault.check and fault.operations and fault.description


def test_server_error_only_when_filtering_by_tag(app, user):
    client, auth = user
    inject(app, "server_error")
    client.post("/api/todos", json=TODO, headers=auth)
    crashed = client.get("/api/todos?tag=home", headers=auth)
    assert crashed.status_code == 500
    assert crashed.get_json()["code"] == 500
    assert client.get("/api/todos", headers=auth).status_code == 200
    assert client.get("/api/todos?tag=home").status_code == 401


def test_missing_required_field_drops_nulls_only(app, user):
    client, auth = user
    inject(app, "missing_required_field")
    created = client.post("/api/todos", json=TODO, headers=auth).get_json()
    assert "description" not in created and "due_at" not in created
    assert created["title"] == "Buy milk"
    described = client.post("/api/todos", json={**TODO, "description": "2 l"}, headers=auth).get_json()
    assert described["description"] == "2 l" and "due_at" not in described
    listed = client.get("/api/todos", headers=auth).get_json()
    assert len(listed) == 2 and all("due_at" not in todo for todo in listed)


def test_wrong_field_type_sends_done_as_an_integer(app, user):
    client, auth = user
    inject(app, "wrong_field_type")
    created = client.post("/api/todos", json={**TODO, "done": True}, headers=auth).get_json()
    assert created["done"] == 1 and type(created["done"]) is int
    read = client.get(f"/api/todos/{created['id']}", headers=auth).get_json()
    assert read["done"] == 1 and type(read["done"]) is int
    listed = client.get("/api/todos", headers=auth).get_json()
    assert listed[0]["done"] is True


def test_undocumented_status_replaces_404_with_403(app, user):
    client, auth = user
    inject(app, "undocumented_status")
    missing = client.get("/api/todos/4242", headers=auth)
    assert missing.status_code == 403 and missing.get_json()["code"] == 403
    assert client.delete("/api/todos/4242", headers=auth).status_code == 403
    created = client.post("/api/todos", json=TODO, headers=auth).get_json()
    assert client.get(f"/api/todos/{created['id']}", headers=auth).status_code == 200
    assert client.get("/api/nowhere").status_code == 404


def test_wrong_content_type_on_the_list_only(app, user):
    client, auth = user
    inject(app, "wrong_content_type")
    listed = client.get("/api/todos", headers=auth)
    assert listed.status_code == 200 and listed.mimetype == "text/html"
    assert listed.get_data(as_text=True).startswith("[")
    assert client.post("/api/todos", json=TODO, headers=auth).mimetype == "application/json"
    assert client.get("/api/todos").mimetype == "application/json"


def test_invalid_priority_is_accepted(app, user):
    client, auth = user
    inject(app, "invalid_input_accepted")
    created = client.post("/api/todos", json={**TODO, "priority": "urgent"}, headers=auth)
    assert created.status_code == 201 and created.get_json()["priority"] == "normal"
    assert client.post("/api/todos", json={**TODO, "priority": 3}, headers=auth).status_code == 201
    assert client.post("/api/todos", json={**TODO, "done": "yes"}, headers=auth).status_code == 422
    high = client.post("/api/todos", json={**TODO, "priority": "high"}, headers=auth).get_json()
    assert high["priority"] == "high"


def test_valid_long_title_is_rejected(app, user):
    client, auth = user
    inject(app, "valid_input_rejected")
    rejected = client.post("/api/todos", json={"title": "x" * 150}, headers=auth)
    assert rejected.status_code == 422 and "title" in rejected.get_json()["errors"]["json"]
    created = client.post("/api/todos", json={"title": "x" * 100}, headers=auth)
    assert created.status_code == 201
    patched = client.patch(f"/api/todos/{created.get_json()['id']}", json={"title": "y" * 200}, headers=auth)
    assert patched.status_code == 422


def test_auth_ignored_serves_anonymous_reads_as_the_last_user(app, user):
    client, auth = user
    inject(app, "auth_ignored")
    assert client.get("/api/auth/me").status_code == 401  # nobody has been served yet
    assert client.get("/api/auth/me", headers=auth).status_code == 200
    anonymous = client.get("/api/auth/me")
    assert anonymous.status_code == 200 and anonymous.get_json()["username"] == "alice"
    assert client.get("/api/todos", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.post("/api/todos", json=TODO).status_code == 401


def test_delete_not_deleting_keeps_the_todo(app, user):
    client, auth = user
    inject(app, "delete_not_deleting")
    todo_id = client.post("/api/todos", json=TODO, headers=auth).get_json()["id"]
    deleted = client.delete(f"/api/todos/{todo_id}", headers=auth)
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert "Content-Type" not in deleted.headers
    assert client.get(f"/api/todos/{todo_id}", headers=auth).status_code == 200
    assert client.delete(f"/api/todos/{todo_id}", headers={**auth, "If-Match": '"stale"'}).status_code == 412
    assert client.delete("/api/todos/4242", headers=auth).status_code == 404
    assert client.delete(f"/api/todos/{todo_id}").status_code == 401


def test_app_raises_when_an_existing_todo_is_read(app, user):
    client, auth = user
    inject(app, "app_raises")
    todo_id = client.post("/api/todos", json=TODO, headers=auth).get_json()["id"]
    with pytest.raises(TypeError):
        client.get(f"/api/todos/{todo_id}", headers=auth)
    assert client.get("/api/todos/4242", headers=auth).status_code == 404
    assert client.get(f"/api/todos/{todo_id}").status_code == 401
    assert client.patch(f"/api/todos/{todo_id}", json={"done": True}, headers=auth).status_code == 200


def test_missing_location_on_created_todo_only(app, user):
    client, auth = user
    inject(app, "missing_location")
    created = client.post("/api/todos", json=TODO, headers=auth)
    assert created.status_code == 201 and "Location" not in created.headers
    assert "ETag" in created.headers
    registered = client.post("/api/auth/register", json={"username": "other", "password": "p" * 12})
    assert "Location" in registered.headers


def test_missing_request_id_on_a_missing_todo_only(app, user):
    client, auth = user
    inject(app, "missing_request_id")
    missing = client.get("/api/todos/4242", headers=auth)
    assert missing.status_code == 404 and "X-Request-ID" not in missing.headers
    created = client.post("/api/todos", json=TODO, headers=auth)
    assert created.status_code == 201 and created.headers["X-Request-ID"]
    assert client.get(created.headers["Location"], headers=auth).headers["X-Request-ID"]


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_untouched_requests_behave_like_the_clean_app(app, user, name):
    """Requests outside a fault's reach get exactly the clean app's answers."""
    client, auth = user
    inject(app, name)
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    wrong = client.post("/api/todos", data="title=x", headers={**auth, "Content-Type": "text/plain"})
    assert wrong.status_code == 415 and wrong.mimetype == "application/json"
    # The boundary probes' deepest body: the fault's own JSON parsing must leave it to the app's 400.
    deep = "[" * 10_000 + "]" * 10_000
    nested = client.post("/api/todos", data=deep, headers={**auth, "Content-Type": "application/json"})
    assert nested.status_code == 400
    assert client.post("/api/auth/logout", headers=auth).status_code == 204


def test_valid_input_rejected_still_authenticates_first(app, user):
    client, _ = user
    inject(app, "valid_input_rejected")
    assert client.post("/api/todos", json={"title": "x" * 150}).status_code == 401
