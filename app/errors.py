"""The one error envelope: its schema, the handler every failing path goes through, and its documentation."""

from __future__ import annotations

import http
import logging
from typing import Any

import marshmallow as ma
from werkzeug.exceptions import HTTPException

from app.schemas.fields import StrictInteger, StrictString

logger = logging.getLogger(__name__)

AUTH_CHALLENGE = 'Bearer realm="api"'


class ErrorSchema(ma.Schema):
    """Body of every 4xx and 5xx response."""

    class Meta:
        unknown = ma.RAISE

    code = StrictInteger(required=True, metadata={"description": "HTTP status code", "example": 404})
    status = StrictString(
        required=True, metadata={"description": "HTTP status phrase", "example": "Not Found"}
    )
    message = StrictString(
        required=True,
        metadata={"description": "What went wrong, for a person", "example": "Todo 7 does not exist."},
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={
            "description": "Validation messages by location, then by field name",
            "example": {"json": {"title": ["Missing data for required field."]}},
        },
    )


# Statuses, in the order they are documented, with a description and the headers that come with them.
ERROR_DOCS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The request is not well formed (e.g. malformed JSON).", {}),
    401: (
        "Missing, invalid, expired or revoked credentials.",
        {
            "WWW-Authenticate": {
                "description": "The authentication scheme to use: `Bearer`.",
                "schema": {"type": "string"},
                "required": True,
            }
        },
    ),
    404: ("No such resource for this user.", {}),
    409: ("The request conflicts with the current state (e.g. a username that is taken).", {}),
    412: ("`If-Match` does not match the resource's current `ETag`.", {}),
    413: ("The request body is larger than the server accepts.", {}),
    415: ("The request body is not `application/json`.", {}),
    422: ("The request is well formed but its values are invalid; see `errors`.", {}),
    429: (
        "Too many requests of this kind (per account, client address or token); retry after `Retry-After`.",
        {
            "Retry-After": {
                "description": "Seconds until the limit lets a request through again.",
                "schema": {"type": "integer", "minimum": 1},
                "required": True,
            }
        },
    ),
    503: (
        "The request could not be completed now: the database is unavailable or too slow to answer, or "
        "(on writes) the todo kept changing under the request. Retry after `Retry-After` seconds.",
        {
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "minimum": 0},
                "required": True,
            }
        },
    ),
}


def error_payload(error: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The envelope and headers for any HTTP error, Werkzeug's included (405's Allow, 401's challenge)."""
    code = error.code or 500
    status = error.name if error.code else http.HTTPStatus(500).phrase
    data: dict[str, Any] = getattr(error, "data", None) or {}
    message = data.get("message") or error.description or status
    if code >= 500 and not data.get("message"):  # keep deliberate messages (503), hide crash details
        message = "The server failed to handle the request; it has been logged."
    payload: dict[str, Any] = {"code": code, "status": status, "message": message}
    errors = data.get("errors") or data.get("messages")
    if errors:
        payload["errors"] = errors
        if code == 422 and not data.get("message"):
            payload["message"] = "The request has invalid values; see `errors`."
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    if code == 401:
        headers.setdefault("WWW-Authenticate", AUTH_CHALLENGE)
    return payload, code, headers
