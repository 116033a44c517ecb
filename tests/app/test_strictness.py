"""The app accepts exactly what its document allows: every other input is a 4xx with the error envelope."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Todo

JSON = {"Content-Type": "application/json"}
BODY_METHODS = [("post", "/api/todos"), ("patch", "/api/todos/{id}"), ("put", "/api/todos/{id}")]
VALID_PUT = {"title": "t", "description": None, "done": False, "priority": "low", "due_at": None, "tags": []}


@pytest.fixture
def todo_url(make_todo):
    return f"/api/todos/{make_todo()['id']}"


def _url(path, todo_url):
    return path.replace("/api/todos/{id}", todo_url)


def _count(db):
    return db.scalar(select(func.count()).select_from(Todo))


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", None, 1.0, [], {}], ids=repr)
@pytest.mark.parametrize(("method", "path"), BODY_METHODS)
def test_done_must_be_a_json_boolean(client, auth_headers, todo_url, db, expect_error, method, path, value):
    payload = {**VALID_PUT, "done": value}
    response = getattr(client, method)(_url(path, todo_url), json=payload, headers=auth_headers)
    body = expect_error(response, 422)
    assert "done" in body["errors"]["json"], body
    assert _count(db) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", 7), ("title", ["a"]), ("description", 1.5), ("priority", 1), ("tags", [1]), ("due_at", 0)],
)
def test_values_of_the_wrong_json_type_are_422(client, auth_headers, expect_error, field, value):
    body = expect_error(
        client.post("/api/todos", json={"title": "ok", field: value}, headers=auth_headers), 422
    )
    assert field in body["errors"]["json"], body


@pytest.mark.parametrize(
    "payload",
    [{"id": 5}, {"created_at": "2026-01-01T00:00:00Z"}, {"owner_id": 2}, {"colour": "red"}],
    ids=["id", "created_at", "owner_id", "unknown"],
)
@pytest.mark.parametrize(("method", "path"), BODY_METHODS)
def test_unknown_and_read_only_fields_are_422(
    client, auth_headers, todo_url, expect_error, method, path, payload
):
    response = getattr(client, method)(
        _url(path, todo_url), json={**VALID_PUT, **payload}, headers=auth_headers
    )
    body = expect_error(response, 422)
    assert set(payload) <= set(body["errors"]["json"]), body


@pytest.mark.parametrize("todo_id", ["0", "-1", str(2**31), str(2**63), str(2**70), "1.0", "abc", "1e3"])
@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_ids_outside_the_documented_range_are_404(client, auth_headers, expect_error, method, todo_id):
    kwargs = {"json": VALID_PUT} if method in ("patch", "put") else {}
    expect_error(getattr(client, method)(f"/api/todos/{todo_id}", headers=auth_headers, **kwargs), 404)


def test_the_largest_documented_id_is_a_plain_404(client, auth_headers, expect_error):
    body = expect_error(client.get(f"/api/todos/{2**31 - 1}", headers=auth_headers), 404)
    assert str(2**31 - 1) in body["message"]


@pytest.mark.parametrize(
    "raw",
    ['{"title": "x"', "{title: 'x'}", "", "nul\u0000", '{"title": "x"} trailing', "1" * 5000],
    ids=["truncated", "not-json", "empty", "garbage", "trailing", "huge-integer"],
)
@pytest.mark.parametrize(("method", "path"), BODY_METHODS)
def test_malformed_json_is_400(client, auth_headers, todo_url, db, expect_error, method, path, raw):
    if raw == "":
        pytest.skip("an empty body is treated as no body: see test_an_empty_json_body_is_a_missing_body")
    response = getattr(client, method)(_url(path, todo_url), data=raw, headers={**auth_headers, **JSON})
    body = expect_error(response, 400)
    assert "json" in body["errors"], body
    assert _count(db) == 1


def test_an_empty_json_body_is_a_missing_body(client, auth_headers, expect_error):
    body = expect_error(client.post("/api/todos", data="", headers={**auth_headers, **JSON}), 422)
    assert "title" in body["errors"]["json"]


@pytest.mark.parametrize("payload", ["[]", '"title"', "null", "42"])
def test_a_body_that_is_not_an_object_is_422(client, auth_headers, expect_error, payload):
    expect_error(client.post("/api/todos", data=payload, headers={**auth_headers, **JSON}), 422)


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
@pytest.mark.parametrize(
    ("method", "path"), [*BODY_METHODS, ("post", "/api/auth/register"), ("post", "/api/auth/login")]
)
def test_a_body_that_is_not_json_is_415(
    client, auth_headers, todo_url, db, expect_error, method, path, content_type
):
    headers = {**auth_headers}
    if content_type:
        headers["Content-Type"] = content_type
    raw = '{"title": "x", "username": "someone", "password": "long enough"}'
    response = getattr(client, method)(_url(path, todo_url), data=raw, headers=headers)
    body = expect_error(response, 415)
    assert "application/json" in body["message"]
    assert _count(db) == 1


def test_json_with_a_charset_is_accepted(client, auth_headers):
    response = client.post(
        "/api/todos",
        data='{"title": "x"}',
        headers={**auth_headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(("method", "path"), [*BODY_METHODS, ("post", "/api/auth/register")])
def test_a_body_over_the_limit_is_413(app, client, auth_headers, todo_url, db, expect_error, method, path):
    limit = app.config["MAX_CONTENT_LENGTH"]
    payload = '{"title": "' + "x" * limit + '"}'
    response = getattr(client, method)(_url(path, todo_url), data=payload, headers={**auth_headers, **JSON})
    expect_error(response, 413)
    assert _count(db) == 1


@pytest.mark.parametrize(
    "path", ["/nope", "/api", "/api/todos/", "/api/auth/me/", "/api/todos/1/extra", "/docs/assets/missing.js"]
)
def test_unknown_routes_are_404_without_redirects(client, auth_headers, expect_error, path):
    expect_error(client.get(path, headers=auth_headers), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/todos", {"GET", "POST"}),
        ("put", "/api/todos", {"GET", "POST"}),
        ("post", "/api/todos/1", {"GET", "PATCH", "PUT", "DELETE"}),
        ("get", "/api/auth/login", {"POST"}),
        ("get", "/api/auth/logout", {"POST"}),
        ("post", "/api/auth/me", {"GET"}),
        ("post", "/healthz", {"GET"}),
        ("options", "/api/todos", {"GET", "POST"}),
    ],
)
def test_wrong_method_is_405_with_allow(client, auth_headers, expect_error, method, path, allowed):
    response = client.open(path, method=method.upper(), headers=auth_headers)
    expect_error(response, 405)
    listed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= listed <= allowed | {"HEAD"}, listed


@pytest.mark.parametrize(
    ("path", "query"),
    [("/api/todos", "page=99999999999999999999999"), ("/api/todos", "per_page=-99999999999999999999")],
)
def test_huge_query_integers_are_422(client, auth_headers, expect_error, path, query):
    expect_error(client.get(f"{path}?{query}", headers=auth_headers), 422)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "\ud800"), ("tags", ["\udfff"]), ("description", "a\u0000b")],
    ids=["lone-surrogate-title", "lone-surrogate-tag", "nul-description"],
)
def test_text_the_database_cannot_store_is_422(client, auth_headers, expect_error, field, value):
    raw = '{"title": "ok", "%s": %s}' % (field, _json_with_escapes(value))  # noqa: UP031
    body = expect_error(client.post("/api/todos", data=raw, headers={**auth_headers, **JSON}), 422)
    assert field in body["errors"]["json"], body


def _json_with_escapes(value):
    """JSON text for value with \\u escapes, since lone surrogates cannot be encoded as UTF-8."""
    import json

    return json.dumps(value, ensure_ascii=True)


@pytest.mark.parametrize(
    "due_at",
    [
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "2026-06-01T12:00:00.123456789Z",
        "2026-06-01t12:00:00z",
    ],
)
def test_extreme_but_valid_due_dates_round_trip(client, auth_headers, due_at):
    response = client.post("/api/todos", json={"title": "x", "due_at": due_at}, headers=auth_headers)
    assert response.status_code == 201, response.get_json()
    fetched = client.get(response.headers["Location"], headers=auth_headers)
    assert fetched.get_json()["due_at"] == response.get_json()["due_at"]
    assert client.get("/api/todos?sort=due_at", headers=auth_headers).status_code == 200
