"""Log lines: JSON objects (one a line) with the request id and the exception, and text for a terminal."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
from gunicorn.glogging import SafeAtoms

from app import create_app
from app.log_format import AccessJsonFormatter, JsonFormatter, formatter_for
from app.request_id import RequestIdFilter
from tests.conftest import FAST_HASHING
from tests.ports import free_port

FIELDS = {"time", "level", "logger", "message", "request_id"}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the root logger writes through a JSON handler (with the request-id filter), as text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def parse(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_is_one_json_line_even_with_newlines_and_a_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "app.x", logging.ERROR, __file__, 1, "two\nlines %s", ("here",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert FIELDS | {"exception"} == entry.keys()
    assert (entry["level"], entry["logger"], entry["message"]) == ("ERROR", "app.x", "two\nlines here")
    assert entry["request_id"] == "-"  # outside a request
    assert entry["time"].endswith("+00:00")
    assert "Traceback" in entry["exception"] and "ValueError: boom" in entry["exception"]


def test_a_database_failure_is_logged_as_json_with_the_request_id(json_lines):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/nothing",
            "LOG_FORMAT": "json",
            **FAST_HASHING,
        }
    )
    response = app.test_client().get(
        "/api/todos", headers={"Authorization": "Bearer t", "X-Request-ID": "trace-7"}
    )
    assert response.status_code == 503
    entries = [e for e in parse(json_lines) if e["logger"] == "app.database"]
    assert entries, json_lines.getvalue()
    assert {(e["level"], e["request_id"]) for e in entries} == {("WARNING", "trace-7")}
    assert "refused" in entries[0]["message"]


def test_a_crash_logs_its_traceback_in_the_exception_field_and_not_in_the_body(app, json_lines):
    def crash():
        raise RuntimeError("secret internals")

    app.add_url_rule("/crash-for-test", view_func=crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/crash-for-test", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    crashes = [e for e in parse(json_lines) if "exception" in e]
    assert crashes and crashes[0]["request_id"] == "trace-500"
    assert "RuntimeError: secret internals" in crashes[0]["exception"]


def test_gunicorns_access_line_becomes_fields_with_the_responses_request_id():
    atoms = SafeAtoms(
        {
            "h": "10.0.0.1",
            "m": "POST",
            "U": "/api/todos",
            "q": "",
            "s": "201",
            "B": 312,
            "D": 12345,
            "a": "curl/8",
            "r": "POST /api/todos HTTP/1.1",
            "{x-request-id}o": "abc123",
        }
    )
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(s)s', (atoms,), None)
    entry = json.loads(AccessJsonFormatter().format(record))
    assert entry["message"] == '"POST /api/todos HTTP/1.1" 201'
    assert entry["request_id"] == "abc123"
    assert (entry["method"], entry["path"], entry["status"], entry["bytes"]) == (
        "POST",
        "/api/todos",
        201,
        312,
    )
    assert entry["duration_ms"] == 12.345


@pytest.mark.parametrize(("log_format", "kind"), [("json", JsonFormatter), ("text", logging.Formatter)])
def test_log_format_names_the_formatter(log_format, kind):
    formatter = formatter_for(log_format)
    assert type(formatter) is kind
