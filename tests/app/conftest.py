"""Fixtures for the service's integration tests: the error envelope check and todo shortcuts."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

ENVELOPE_KEYS = {"code", "status", "message"}


def check_error(response: Any, status: int) -> dict[str, Any]:
    """Assert the response is `status` with the one error envelope, and return the envelope."""
    body = response.get_json(silent=True)
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json", response.mimetype
    assert isinstance(body, dict), body
    assert ENVELOPE_KEYS <= body.keys() <= ENVELOPE_KEYS | {"errors"}, body
    assert body["code"] == status
    assert body["status"] == http.HTTPStatus(status).phrase
    assert isinstance(body["message"], str) and body["message"], body
    if "errors" in body:
        assert isinstance(body["errors"], dict) and body["errors"], body
    return body


@pytest.fixture
def expect_error() -> Callable[[Any, int], dict[str, Any]]:
    """`expect_error(response, 404)` checks status and envelope and returns the envelope."""
    return check_error


@pytest.fixture
def make_todo(client: FlaskClient, auth_headers: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Create a todo for `alice` (or for `headers`) and return its JSON."""

    def create(headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        payload = {"title": "Buy milk", **fields}
        response = client.post("/api/todos", json=payload, headers=headers or auth_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create
