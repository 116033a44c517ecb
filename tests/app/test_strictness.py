"""The app accepts exactly what its document allows: every other input is a 4xx with the error envelope."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from gunicorn.http.body import Body, ChunkedReader
from gunicorn.http.unreader import IterUnreader
from sqlalchemy import func, select

from app.models import Todo, User

JSON = {"Content-Type": "application/json"}
BODY_METHODS = [("post", "/api/todos"), ("patch", "/api/todos/{id}"), ("put", "/api/todos/{id}")]
VALID_PUT = {"title": "t", "description": None, "done": False, "priority": "low", "due_at": None, "tags": []}


@pytest.fixture
def todo_url(make_todo):
    return f"/api/todos/{make_todo()['id']}"


@pytest.fixture
def send_to_each(client, auth_headers, todo_url):
    """Send one request to every operation that takes a JSON body; yields (operation, response)."""

    def send(headers=None, **kwargs):
        for method, path in BODY_METHODS:
            url = path.replace("/api/todos/{id}", todo_url)
            yield (
                f"{method.upper()} {path}",
                getattr(client, method)(url, headers=headers or auth_headers, **kwargs),
            )

    return send


def _count(db):
    return db.scalar(select(func.count()).select_from(Todo))


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", None, 1.0, [], {}], ids=repr)
def test_done_must_be_a_json_boolean(send_to_each, db, expect_error, value):
    for operation, response in send_to_each(json={**VALID_PUT, "done": value}):
        body = expect_error(response, 422)
        assert "done" in body["errors"]["json"], (operation, body)
    assert _count(db) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", 7), ("title", ["a"]), ("description", 1.5), ("priority", 1), ("tags", [1]), ("due_at", 0)],
)
def test_values_of_the_wrong_json_type_are_422(send_to_each, expect_error, field, value):
    for operation, response in send_to_each(json={**VALID_PUT, field: value}):
        body = expect_error(response, 422)
        assert field in body["errors"]["json"], (operation, body)


@pytest.mark.parametrize(
    "payload",
    [{"id": 5}, {"created_at": "2026-01-01T00:00:00Z"}, {"owner_id": 2}, {"colour": "red"}],
    ids=["id", "created_at", "owner_id", "unknown"],
)
def test_unknown_and_read_only_fields_are_422(send_to_each, db, expect_error, payload):
    for operation, response in send_to_each(json={**VALID_PUT, **payload}):
        body = expect_error(response, 422)
        assert set(payload) <= set(body["errors"]["json"]), (operation, body)
    assert _count(db) == 1


@pytest.mark.parametrize("todo_id", ["0", "-1", str(2**31), str(2**63), str(2**70), "1.0", "abc", "1e3"])
def test_ids_outside_the_documented_range_are_404(client, auth_headers, expect_error, todo_id):
    for method in ("get", "patch", "put", "delete"):
        kwargs = {"json": VALID_PUT} if method in ("patch", "put") else {}
        response = getattr(client, method)(f"/api/todos/{todo_id}", headers=auth_headers, **kwargs)
        expect_error(response, 404)


def test_the_largest_documented_id_is_a_plain_404(client, auth_headers, expect_error):
    body = expect_error(client.get(f"/api/todos/{2**31 - 1}", headers=auth_headers), 404)
    assert str(2**31 - 1) in body["message"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"title": "x"',
        "{title: 'x'}",
        "nul\u0000",
        '{"title": "x"} trailing',
        "1" * 5000,
        '{"title": "\\ud800',
        "[" * 50000,
        '{"title": "x", "priority": NaN}',
        '{"title": "x", "tags": [-Infinity]}',
        b'{"title": "\xff"}',
    ],
    ids=[
        "truncated",
        "not-json",
        "garbage",
        "trailing",
        "huge-integer",
        "cut-in-escape",
        "deep-nesting",
        "nan",
        "infinity",
        "not-utf8",
    ],
)
def test_malformed_json_is_400(send_to_each, db, expect_error, raw):
    for operation, response in send_to_each(data=raw, headers=None, content_type="application/json"):
        body = expect_error(response, 400)
        assert "json" in body["errors"], (operation, body)
    assert _count(db) == 1


def test_an_empty_json_body_is_a_missing_body(client, auth_headers, expect_error):
    body = expect_error(client.post("/api/todos", data="", headers={**auth_headers, **JSON}), 422)
    assert "title" in body["errors"]["json"]


@pytest.mark.parametrize("payload", ["[]", '"title"', "null", "42"])
def test_a_body_that_is_not_an_object_is_422(client, auth_headers, expect_error, payload):
    expect_error(client.post("/api/todos", data=payload, headers={**auth_headers, **JSON}), 422)


NOT_JSON = [
    None,
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/json",
]


@pytest.mark.parametrize("content_type", NOT_JSON)
def test_a_body_that_is_not_json_is_415(client, send_to_each, db, expect_error, content_type):
    raw = '{"title": "x", "username": "someone", "password": "long enough"}'
    responses = list(send_to_each(data=raw, content_type=content_type))
    for path in ("/api/auth/register", "/api/auth/login"):
        responses.append((f"POST {path}", client.post(path, data=raw, content_type=content_type)))
    for operation, response in responses:
        body = expect_error(response, 415)
        assert "application/json" in body["message"], (operation, body)
    assert _count(db) == 1


def test_json_with_a_charset_is_accepted(client, auth_headers):
    response = client.post(
        "/api/todos",
        data='{"title": "x"}',
        headers=auth_headers,
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201, response.get_json()


def test_a_body_over_the_limit_is_413(app, client, send_to_each, db, expect_error):
    payload = '{"title": "' + "x" * app.config["MAX_CONTENT_LENGTH"] + '"}'
    responses = list(send_to_each(data=payload, content_type="application/json"))
    responses.append(
        ("POST register", client.post("/api/auth/register", data=payload, content_type="application/json"))
    )
    for _operation, response in responses:
        expect_error(response, 413)
    assert _count(db) == 1


@pytest.mark.parametrize("extra", [1, 5000], ids=["one-byte-over", "far-over"])
def test_a_streamed_body_over_the_limit_is_413_not_truncated(app, client, db, expect_error, extra):
    """Without Content-Length (chunked), the limit must still refuse the body, not cut it to size."""
    head = b'{"username": "streamer", "password": "long enough"}'
    body = head + b" " * (app.config["MAX_CONTENT_LENGTH"] - len(head) + extra)
    response = client.post(
        "/api/auth/register",
        input_stream=io.BytesIO(body),
        headers={**JSON, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn declares for chunked bodies
    )
    expect_error(response, 413)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_a_streamed_body_at_the_limit_is_read_whole(app, client):
    head = b'{"username": "streamer", "password": "long enough"}'
    body = head + b" " * (app.config["MAX_CONTENT_LENGTH"] - len(head))
    response = client.post(
        "/api/auth/register",
        input_stream=io.BytesIO(body),
        headers={**JSON, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 201, response.get_json()


def _gunicorn_chunked(raw: bytes) -> Body:
    """A request body as gunicorn hands it to the app: decoded from chunks while the app reads it."""
    return Body(ChunkedReader(SimpleNamespace(), IterUnreader([raw])))


MALFORMED_CHUNKS = {
    "size-not-hex": b'zz\r\n{"title": "x"}\r\n0\r\n\r\n',
    "no-crlf-after-chunk": b'f\r\n{"title": "x"}XX0\r\n\r\n',
    "cut-before-last-chunk": b'f\r\n{"title": "x"}\r\n',
}


@pytest.mark.parametrize("raw", MALFORMED_CHUNKS.values(), ids=MALFORMED_CHUNKS.keys())
def test_a_malformed_chunked_body_is_400_on_every_body_operation(
    client, auth_headers, todo_url, db, expect_error, raw
):
    """The server decodes chunks as the app reads: its parse error is the client's fault, not a 500."""
    for method, path in [*BODY_METHODS, ("post", "/api/auth/register")]:
        response = getattr(client, method)(
            path.replace("/api/todos/{id}", todo_url),
            headers={**auth_headers, **JSON, "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input": _gunicorn_chunked(raw), "wsgi.input_terminated": True},
        )
        body = expect_error(response, 400)
        assert "could not be read" in body["message"], (method, path, body)
    assert _count(db) == 1


def test_a_body_the_connection_drops_is_400(client, expect_error):
    """A stream that fails with an OSError (reset connection) is a 400 too (Werkzeug reports it)."""

    class Broken(io.RawIOBase):
        def readinto(self, buffer):
            raise ConnectionResetError("connection reset by peer")

    response = client.post(
        "/api/auth/register",
        headers={**JSON, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": Broken(), "wsgi.input_terminated": True},
    )
    expect_error(response, 400)


UNKNOWN_ROUTES = [
    "/nope",
    "/api",
    "/api/todos/",
    "/api/auth/me/",
    "/api/todos/1/extra",
    "/docs/assets/missing.js",
]
WRONG_METHODS = [
    ("DELETE", "/api/todos", {"GET", "POST"}),
    ("PUT", "/api/todos", {"GET", "POST"}),
    ("POST", "/api/todos/1", {"GET", "PATCH", "PUT", "DELETE"}),
    ("GET", "/api/auth/login", {"POST"}),
    ("GET", "/api/auth/logout", {"POST"}),
    ("POST", "/api/auth/me", {"GET"}),
    ("POST", "/healthz", {"GET"}),
    ("OPTIONS", "/api/todos", {"GET", "POST"}),
    ("TRACE", "/api/todos/1", {"GET", "PATCH", "PUT", "DELETE"}),
]


def test_unknown_routes_are_404_without_redirects(client, auth_headers, expect_error):
    for path in UNKNOWN_ROUTES:
        for headers in ({}, auth_headers):
            response = client.get(path, headers=headers)
            assert "Location" not in response.headers, path
            expect_error(response, 404)


def test_wrong_method_is_405_with_allow(client, auth_headers, expect_error):
    for method, path, allowed in WRONG_METHODS:
        response = client.open(path, method=method, headers=auth_headers)
        expect_error(response, 405)
        listed = {m.strip() for m in response.headers["Allow"].split(",")}
        # HEAD comes with every GET in Flask.
        assert allowed <= listed <= allowed | {"HEAD"}, (method, path, listed)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "\ud800"), ("tags", ["\udfff"]), ("description", "a\u0000b"), ("tags", ["a\u0000"])],
    ids=["lone-surrogate-title", "lone-surrogate-tag", "nul-description", "nul-tag"],
)
def test_text_the_database_cannot_store_is_422(client, auth_headers, db, expect_error, field, value):
    # json.dumps escapes as \uXXXX, so even a lone surrogate travels as valid UTF-8.
    raw = json.dumps({"title": "ok", field: value})
    body = expect_error(client.post("/api/todos", data=raw, headers={**auth_headers, **JSON}), 422)
    assert field in body["errors"]["json"], body
    assert _count(db) == 0


# Valid RFC 3339 date-times at the edges, in the order of the instants they name.
EDGE_DUE_DATES = [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "2026-06-01T11:00:00-00:30",
    "2026-06-01t12:00:00z",
    "2026-06-01T12:00:00.123456789Z",  # nanoseconds: kept to the microsecond
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
]


def test_edge_due_dates_round_trip_and_sort_by_instant(client, auth_headers):
    sent = {}
    for due_at in reversed(EDGE_DUE_DATES):
        response = client.post("/api/todos", json={"title": due_at, "due_at": due_at}, headers=auth_headers)
        assert response.status_code == 201, (due_at, response.get_json())
        fetched = client.get(response.headers["Location"], headers=auth_headers).get_json()
        assert fetched["due_at"] == response.get_json()["due_at"], due_at
        sent[due_at] = fetched["due_at"]
    assert sent["2026-06-01T12:00:00.123456789Z"] == "2026-06-01T12:00:00.123456Z"
    assert sent["0001-01-01T00:00:00+05:00"] == "0001-01-01T00:00:00+05:00"
    listed = client.get("/api/todos?sort=due_at", headers=auth_headers).get_json()
    assert [todo["title"] for todo in listed] == EDGE_DUE_DATES
    listed = client.get("/api/todos?sort=-due_at", headers=auth_headers).get_json()
    assert [todo["title"] for todo in listed] == EDGE_DUE_DATES[::-1]
