"""X-Request-ID: a sane incoming ID is kept, anything else is replaced; it is echoed and logged."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gunicorn.http.body import Body, ChunkedReader
from gunicorn.http.unreader import IterUnreader

from app.request_id import RequestIdFilter, accepted_request_id, current_request_id, install_log_filter

GENERATED = re.compile(r"[0-9a-f]{32}")
PATHS = ["/healthz", "/api/todos", "/nope", "/docs", "/openapi.json", "/"]


@pytest.mark.parametrize("path", PATHS)
def test_a_sane_incoming_id_is_echoed_on_every_path(client: FlaskClient, path: str):
    response = client.get(path, headers={"X-Request-ID": "client-7f3a.retry:2"})
    assert response.headers["X-Request-ID"] == "client-7f3a.retry:2", response.status_code


def test_without_one_a_fresh_id_is_generated_per_request(client: FlaskClient):
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "value",
    ["", "x" * 129, 'a"b', "a b", "id;drop", "é", "<script>", "a\tb"],
    ids=["empty", "too-long", "quote", "space", "semicolon", "non-ascii", "markup", "tab"],
)
def test_an_unsafe_incoming_id_is_replaced_not_refused(client: FlaskClient, value: str):
    response = client.get("/healthz", headers={"X-Request-ID": value})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["X-Request-ID"]), response.headers["X-Request-ID"]


def test_the_length_bound_is_inclusive_and_configurable(app_config: dict[str, Any]):
    from app import create_app

    assert accepted_request_id("x" * 128, 128) == "x" * 128
    short = create_app({**app_config, "REQUEST_ID_MAX_LENGTH": 8}).test_client()
    assert short.get("/healthz", headers={"X-Request-ID": "12345678"}).headers["X-Request-ID"] == "12345678"
    assert short.get("/healthz", headers={"X-Request-ID": "123456789"}).headers["X-Request-ID"] != "123456789"


def test_log_records_carry_the_request_id(client: FlaskClient, caplog: pytest.LogCaptureFixture):
    """A record logged while handling the request (here: an unreadable body) names the request's ID."""
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO, logger="app")

    body = Body(ChunkedReader(SimpleNamespace(), IterUnreader([b"zz\r\n"])))
    response = client.post(
        "/api/auth/login",
        headers={"Content-Type": "application/json", "X-Request-ID": "trace-42"},
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True},
    )
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name.startswith("app")]
    assert records, "the unreadable body should be logged"
    assert {r.request_id for r in records} == {"trace-42"}


def test_outside_a_request_the_id_is_a_dash(app: Flask):
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "startup", None, None)
    assert RequestIdFilter().filter(record) and record.request_id == "-"
    assert current_request_id() == "-"


def test_the_filter_is_installed_once_per_handler():
    logger = logging.getLogger("request-id-test")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        install_log_filter(logger)
        install_log_filter(logger)
        assert sum(isinstance(f, RequestIdFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)
