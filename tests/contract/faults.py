"""Bugs a real Todo service could ship, injected one at a time by a WSGI wrapper so the gate must catch each.

Each fault is narrow, like a real bug: it touches one operation or one kind of response and leaves every
other request alone. `Fault.check` names the Schemathesis check that is expected to report it.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Request, Response

__all__ = ["FAULTS", "Fault", "FaultInjector", "inject"]

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Sends a (possibly rewritten) request to the real app and returns its complete response.
Forward = Callable[[Request], Response]

COLLECTION = re.compile(r"^/api/todos/?$")
ITEM = re.compile(r"^/api/todos/(?P<todo_id>[0-9]+)$")
JSON = "application/json"
TITLE_LIMIT_IN_CODE = 100  # the published limit is 200


@dataclass(slots=True)
class FaultState:
    """What a fault remembers between requests (only the stale-credentials bug needs memory)."""

    last_authorization: str | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected bug: its name, the check that must catch it, and how it bends a request or response."""

    name: str
    check: str
    # The operations (as the gate labels them) whose requests or responses the bug touches.
    operations: tuple[str, ...]
    description: str
    apply: Callable[[Request, Forward, FaultState], Response]
    # Other checks that may report the same bug, when it breaks more than one promise of the contract.
    also: tuple[str, ...] = field(default=())


def _json_body(request: Request) -> Any:
    """The request's JSON, or None when it is not JSON (too deeply nested included: the app answers those)."""
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, RecursionError):
        return None


def _response_json(response: Response) -> Any:
    try:
        return json.loads(response.get_data())
    except ValueError:
        return None


def _with_json(response: Response, payload: Any) -> Response:
    """The same response (status and headers) with another JSON body; Content-Length follows the body."""
    response.set_data(json.dumps(payload))
    return response


def _error(status: int, phrase: str, message: str, errors: dict[str, Any] | None = None) -> Response:
    payload: dict[str, Any] = {"code": status, "status": phrase, "message": message}
    if errors:
        payload["errors"] = errors
    return _with_request_id(Response(json.dumps(payload), status=status, mimetype=JSON))


def _with_request_id(response: Response) -> Response:
    """A response a fault makes up keeps the app's other promises: each bug is as narrow as a real one."""
    response.headers["X-Request-ID"] = uuid.uuid4().hex
    return response


def _rewritten(
    request: Request, *, body: Any = None, headers: dict[str, str | None] | None = None
) -> Request:
    """A copy of `request` with a new JSON body and/or headers (None removes a header)."""
    environ = dict(request.environ)
    data = request.get_data(cache=True) if body is None else json.dumps(body).encode()
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    for name, value in (headers or {}).items():
        key = "HTTP_" + name.upper().replace("-", "_")
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return Request(environ)


def _is_single_todo_response(request: Request, response: Response) -> bool:
    if response.mimetype != JSON:
        return False
    created = request.method == "POST" and COLLECTION.match(request.path) and response.status_code == 201
    read_or_changed = ITEM.match(request.path) and request.method in {"GET", "PATCH", "PUT"}
    return bool(created or (read_or_changed and response.status_code == 200))


def _todos_in(request: Request, response: Response) -> list[dict[str, Any]]:
    """The todo objects a successful todo response carries (one, or a page of them)."""
    payload = _response_json(response)
    if _is_single_todo_response(request, response) and isinstance(payload, dict):
        return [payload]
    listed = request.method == "GET" and COLLECTION.match(request.path) and response.status_code == 200
    if listed and isinstance(payload, list):
        return [item for item in payload if isinstance(item, dict)]
    return []


# --- the faults ---------------------------------------------------------------------------------------


def crash_on_tag_filter(request: Request, forward: Forward, state: FaultState) -> Response:
    """Listing with a `tag` filter crashes (say, a broken join on the tags column)."""
    if request.method == "GET" and COLLECTION.match(request.path) and "tag" in request.args:
        response = forward(request)
        if response.status_code == 200:
            return _error(
                500, "Internal Server Error", "The server failed to handle the request; it has been logged."
            )
        return response
    return forward(request)


def omit_null_fields(request: Request, forward: Forward, state: FaultState) -> Response:
    """The serializer skips null values, so `description` and `due_at` vanish when they are null."""
    response = forward(request)
    todos = _todos_in(request, response)
    if not todos:
        return response
    for todo in todos:
        for name in ("description", "due_at"):
            if name in todo and todo[name] is None:
                del todo[name]
    payload = todos[0] if _is_single_todo_response(request, response) else todos
    return _with_json(response, payload)


def done_as_integer(request: Request, forward: Forward, state: FaultState) -> Response:
    """`done` leaks out as the database's 0/1 instead of a JSON boolean on single-todo responses."""
    response = forward(request)
    if not _is_single_todo_response(request, response):
        return response
    payload = _response_json(response)
    if isinstance(payload, dict) and isinstance(payload.get("done"), bool):
        payload["done"] = int(payload["done"])
        return _with_json(response, payload)
    return response


def forbidden_instead_of_not_found(request: Request, forward: Forward, state: FaultState) -> Response:
    """A todo that is not the caller's answers 403, a status the contract does not list (it promises 404)."""
    response = forward(request)
    match = ITEM.match(request.path)
    if match and response.status_code == 404:
        return _error(403, "Forbidden", f"Todo {match['todo_id']} belongs to someone else.")
    return response


def list_as_html(request: Request, forward: Forward, state: FaultState) -> Response:
    """The list view returns a JSON string from the view, which Flask serves as `text/html`."""
    response = forward(request)
    if request.method == "GET" and COLLECTION.match(request.path) and response.status_code == 200:
        response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


def unknown_priority_falls_back(request: Request, forward: Forward, state: FaultState) -> Response:
    """An unknown `priority` on create is silently replaced by `normal` instead of answering 422."""
    body = _json_body(request) if request.is_json else None
    if (
        request.method == "POST"
        and COLLECTION.match(request.path)
        and isinstance(body, dict)
        and "priority" in body
        and body["priority"] not in ("low", "normal", "high")
    ):
        return forward(_rewritten(request, body={**body, "priority": "normal"}))
    return forward(request)


def title_limit_too_low(request: Request, forward: Forward, state: FaultState) -> Response:
    """The code enforces a 100-character title while the contract (and the column) allow 200."""
    body = _json_body(request) if request.is_json else None
    writes_todo = (request.method == "POST" and COLLECTION.match(request.path)) or (
        request.method in {"PATCH", "PUT"} and ITEM.match(request.path)
    )
    title = body.get("title") if isinstance(body, dict) else None
    too_long = writes_todo and isinstance(title, str) and len(title) > TITLE_LIMIT_IN_CODE
    # Like the real view, authenticate first: an anonymous request still gets its 401.
    if too_long and _is_authenticated(request, forward):
        return _error(
            422,
            "Unprocessable Entity",
            "The request has invalid values; see `errors`.",
            {"json": {"title": [f"Length must be between 1 and {TITLE_LIMIT_IN_CODE}."]}},
        )
    return forward(request)


def _is_authenticated(request: Request, forward: Forward) -> bool:
    """Whether the app accepts the request's credentials (asked the way a client would: who am I?)."""
    return forward(Request(_method(request.environ, "GET", path="/api/auth/me"))).status_code == 200


def stale_credentials_on_reads(request: Request, forward: Forward, state: FaultState) -> Response:
    """Reads without credentials are served as the last authenticated caller (a cached current user)."""
    authorization = request.headers.get("Authorization")
    if request.method != "GET" or not request.path.startswith("/api/"):
        return forward(request)
    if authorization is None and state.last_authorization is not None:
        return forward(_rewritten(request, headers={"Authorization": state.last_authorization}))
    response = forward(request)
    if authorization is not None and response.status_code == 200:
        state.last_authorization = authorization
    return response


def delete_keeps_todo(request: Request, forward: Forward, state: FaultState) -> Response:
    """DELETE answers 204 but only flags the todo, and reads do not filter the flag: the todo stays."""
    if request.method != "DELETE" or not ITEM.match(request.path):
        return forward(request)
    current = forward(_rewritten(Request(_method(request.environ, "GET")), headers={"If-Match": None}))
    etag = current.headers.get("ETag", "").strip('"')
    if_match = request.if_match
    precondition_holds = not request.headers.get("If-Match") or if_match.star_tag or if_match.contains(etag)
    if current.status_code == 200 and precondition_holds:
        gone = Response(status=204)
        del gone.headers["Content-Type"]
        return _with_request_id(gone)
    return forward(request)


def created_without_location(request: Request, forward: Forward, state: FaultState) -> Response:
    """Creating a todo forgets the `Location` header that the contract promises on 201."""
    response = forward(request)
    if request.method == "POST" and COLLECTION.match(request.path) and response.status_code == 201:
        del response.headers["Location"]
    return response


def not_found_without_request_id(request: Request, forward: Forward, state: FaultState) -> Response:
    """A 404 for a todo answered without the request ID every response promises (a handler of its own)."""
    response = forward(request)
    if ITEM.match(request.path) and response.status_code == 404:
        del response.headers["X-Request-ID"]
    return response


def raise_on_read(request: Request, forward: Forward, state: FaultState) -> Response:
    """Reading one todo the caller owns raises out of the app (a TypeError in a serializer, say).

    Unlike `server_error` there is no 500 response: the exception escapes the WSGI app, as it does from
    a Flask app that propagates exceptions, and the gate must still report it on that operation.
    """
    if request.method != "GET" or not ITEM.match(request.path):
        return forward(request)
    response = forward(request)
    if response.status_code == 200:
        raise TypeError("unsupported operand type(s) for +: 'NoneType' and 'datetime.timedelta'")
    return response


def _method(environ: dict[str, Any], method: str, *, path: str | None = None) -> dict[str, Any]:
    """The same request's environ with another method (and path), without a body or query."""
    environ = dict(environ)
    environ["REQUEST_METHOD"] = method
    if path is not None:
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = ""
    environ["wsgi.input"] = io.BytesIO(b"")
    environ["CONTENT_LENGTH"] = "0"
    return environ


LIST, CREATE = "GET /api/todos", "POST /api/todos"


def _item(*methods: str) -> tuple[str, ...]:
    return tuple(f"{method} /api/todos/{{todo_id}}" for method in methods)


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault(
            "server_error",
            "not_a_server_error",
            (LIST,),
            "a 500 when the list is filtered by tag",
            crash_on_tag_filter,
            also=("status_code_conformance",),
        ),
        Fault(
            "missing_required_field",
            "response_schema_conformance",
            (LIST, CREATE, *_item("GET", "PATCH", "PUT")),
            "null `description`/`due_at` dropped from todo responses",
            omit_null_fields,
        ),
        Fault(
            "wrong_field_type",
            "response_schema_conformance",
            (CREATE, *_item("GET", "PATCH", "PUT")),
            "`done` as 0/1 on single-todo responses",
            done_as_integer,
        ),
        Fault(
            "undocumented_status",
            "status_code_conformance",
            _item("GET", "PATCH", "PUT", "DELETE"),
            "403 instead of the documented 404 for a todo the caller cannot see",
            forbidden_instead_of_not_found,
        ),
        Fault(
            "wrong_content_type",
            "content_type_conformance",
            (LIST,),
            "the todo list served as text/html",
            list_as_html,
        ),
        Fault(
            "invalid_input_accepted",
            "negative_data_rejection",
            (CREATE,),
            "an unknown priority silently becomes `normal`",
            unknown_priority_falls_back,
        ),
        Fault(
            "valid_input_rejected",
            "positive_data_acceptance",
            (CREATE, *_item("PATCH", "PUT")),
            "titles over 100 characters rejected although 200 are allowed",
            title_limit_too_low,
        ),
        Fault(
            "auth_ignored",
            "ignored_auth",
            ("GET /api/auth/me", LIST, *_item("GET")),
            "reads without credentials served as the last authenticated user",
            stale_credentials_on_reads,
            # A request whose Authorization header was left out or mangled on purpose is served too.
            also=("missing_required_header", "negative_data_rejection"),
        ),
        Fault(
            "delete_not_deleting",
            "use_after_free",
            (*_item("DELETE", "GET"), CREATE),
            "DELETE answers 204 but the todo can still be read",
            delete_keeps_todo,
            also=("ensure_resource_availability",),
        ),
        Fault(
            "app_raises",
            "not_a_server_error",
            _item("GET"),
            "an exception escapes the app when a todo is read",
            raise_on_read,
        ),
        Fault(
            "missing_location",
            "response_headers_conformance",
            (CREATE,),
            "201 from create without its `Location` header",
            created_without_location,
        ),
        Fault(
            "missing_request_id",
            "response_headers_conformance",
            _item("GET", "PATCH", "PUT", "DELETE"),
            "404 for a todo without its `X-Request-ID` header",
            not_found_without_request_id,
        ),
    )
}


class FaultInjector:
    """WSGI middleware: every request goes through `fault`, which may rewrite it or the app's response."""

    def __init__(self, app: WsgiApp, fault: Fault) -> None:
        self.app = app
        self.fault = fault
        self.state = FaultState()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        # Read the body once so that both the fault and the app can see it.
        body = request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(body)
        response = self.fault.apply(request, self._forward, self.state)
        return response(environ, start_response)

    def _forward(self, request: Request) -> Response:
        environ = dict(request.environ)
        body = request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(body)
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        response = Response(app_iter, status)
        # Keep the app's headers exactly: Response() alone would add a Content-Type even to a 204.
        response.headers = Headers(headers)
        return response


def inject(flask_app: Any, name: str) -> Any:
    """Wrap `flask_app.wsgi_app` with the fault called `name`; returns the same app for chaining."""
    flask_app.wsgi_app = FaultInjector(flask_app.wsgi_app, FAULTS[name])
    return flask_app
