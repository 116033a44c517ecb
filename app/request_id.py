"""A request ID on every request: the caller's `X-Request-ID` when it is sane, else a fresh one.

It is echoed on the response and stamped on log records (`%(request_id)s`), so one line in a client's
report, the access log and the app log can be matched. An incoming ID is taken only if it is short and
made of safe characters: anything else (newlines, quotes, a megabyte) could forge or flood log lines, so
it is replaced, not rejected, since the request itself is fine.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from apispec import APISpec, BasePlugin
from flask import Flask, Response, current_app, g, has_request_context, request

SAFE_CHARACTERS = "A-Za-z0-9._:/+=@-"
_SAFE = re.compile(f"[{SAFE_CHARACTERS}]+")
NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    """Gives every record a `request_id` attribute: the current request's, or `-` outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def current_request_id() -> str:
    """The ID of the request being handled, or `-` outside a request."""
    if not has_request_context():
        return NO_REQUEST
    return g.get("request_id", NO_REQUEST)


def init_app(app: Flask) -> None:
    """Take or make the ID before each request, echo it after, and filter the root logger's handlers."""
    app.before_request(_take_request_id)
    app.after_request(_echo_request_id)
    install_log_filter(logging.getLogger())


def install_log_filter(logger: logging.Logger) -> None:
    """Add the filter to each handler of `logger` once (filters on handlers also see propagated records)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())


def accepted_request_id(value: str | None, max_length: int) -> str | None:
    """`value` if it is a usable ID (1 to `max_length` safe characters), else None."""
    if value and len(value) <= max_length and _SAFE.fullmatch(value):
        return value
    return None


def _take_request_id() -> None:
    config = current_app.config
    incoming = request.headers.get(config["REQUEST_ID_HEADER"])
    g.request_id = accepted_request_id(incoming, config["REQUEST_ID_MAX_LENGTH"]) or uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    # A request refused before before_request ran (a routing error) still gets an ID.
    request_id = g.get("request_id") or uuid.uuid4().hex
    g.request_id = request_id
    response.headers[current_app.config["REQUEST_ID_HEADER"]] = request_id
    return response


class RequestIdHeader(BasePlugin):
    """Documents the ID header on every response of every operation: clients may rely on what it promises."""

    def __init__(self, header: str) -> None:
        self.header = header

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        spec.components.header(
            self.header,
            {
                "description": (
                    f"This request's ID, on every response: the request's own `{self.header}` when it "
                    f"is made of `{SAFE_CHARACTERS}` and not longer than the server's limit (128 by "
                    "default), else a new one (32 hex digits). The app's log lines carry it: quote it "
                    "when reporting a problem."
                ),
                "required": True,
                "schema": {"type": "string", "minLength": 1, "pattern": f"^[{SAFE_CHARACTERS}]+$"},
            },
        )

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **_: Any) -> None:
        for operation in (operations or {}).values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})[self.header] = self.header
