"""A small flask-smorest "books" API, unlike ours: API-key auth, in-memory storage, no `init-db`.

The gate is meant for any Flask app, so its tests run it on this one too: the app as written must pass,
and each planted bug (`PLANTED_BUGS`) must make the gate fail with the check that describes it.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, request, url_for
from flask.views import MethodView
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, fields, validate

API_KEY_HEADER = "X-API-Key"
MAX_YEAR = 2100
# Bugs a test plants one at a time; the spec is always generated from the app without any.
PLANTED_BUGS = ("crash-on-max-year", "id-as-string", "any-key-reads-any-book", "list-without-key")
BODY_ERRORS = {400: "The body is not valid JSON", 415: "The body is not application/json"}


class StrictInteger(fields.Integer):
    """A JSON Schema integer: `7` and `7.0`, but no `true`, no `"7"`, no `7.5`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


class ErrorSchema(Schema):
    code = StrictInteger(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict(keys=fields.String())


class KeyRequestSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))


class KeySchema(Schema):
    name = fields.String(required=True)
    key = fields.String(required=True)


class BookSchema(Schema):
    id = StrictInteger(dump_only=True, required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    year = StrictInteger(required=True, validate=validate.Range(min=0, max=MAX_YEAR))


class LooseBookSchema(BookSchema):
    """The `id-as-string` bug: ids leave the app as strings although the spec says integer."""

    id = fields.String(dump_only=True, required=True)


class BooksApi(Api):
    """One error envelope for every error, 405's `Allow` included, and no catch-all `default` response."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: Any) -> Any:
        payload, code, headers = super().handle_http_exception(error)
        payload.setdefault("message", error.description or error.name)
        extra = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        return payload, code, {**extra, **(headers or {})}


def body_too_deep(_: RecursionError) -> tuple[dict[str, Any], int]:
    """A body nested deeper than the JSON parser recurses is malformed input, not a server error."""
    return {"code": 400, "status": "Bad Request", "message": "The body is nested too deeply."}, 400


def _no_content_type_on_204(response: Any) -> Any:
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


def _books_blueprint(bug: str | None) -> Blueprint:
    """The blueprint, built per app so that each app may carry its own planted bug."""
    blp = Blueprint("books", __name__, url_prefix="/books", description="Books, each visible to its owner")
    keys: dict[str, str] = {}
    books: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    security = [{"ApiKey": []}]
    book_schema = LooseBookSchema if bug == "id-as-string" else BookSchema
    location = {"Location": {"description": "URL of the new book", "schema": {"type": "string"}}}
    links = {
        "GetBook": {"operationId": "getBook", "parameters": {"book_id": "$response.body#/id"}},
        "DeleteBook": {"operationId": "deleteBook", "parameters": {"book_id": "$response.body#/id"}},
    }

    @blp.before_request
    def authenticate() -> None:
        # Before the body is parsed: without a valid key, the answer is 401 whatever else is wrong.
        public = request.endpoint == "books.Keys" or (
            bug == "list-without-key" and request.endpoint == "books.Books" and request.method == "GET"
        )
        if not public and request.headers.get(API_KEY_HEADER) not in keys:
            abort(401, message=f"Send a valid {API_KEY_HEADER} header (POST /books/keys issues one).")
        if request.method in ("POST", "PUT", "PATCH") and not request.is_json:
            abort(415, message="Send the body as application/json.")

    def owner() -> str:
        return keys[request.headers[API_KEY_HEADER]]

    def owned(book_id: int) -> dict[str, Any]:
        book = books.get(book_id)
        if book is None or book["owner"] != owner():
            abort(404, message=f"Book {book_id} does not exist.")
        return book

    def json_body(schema: type[Schema]) -> Any:
        """The body argument, and the statuses a body can earn besides 422."""

        def decorator(func: Any) -> Any:
            func = blp.arguments(schema)(func)
            for code, description in BODY_ERRORS.items():
                func = blp.alt_response(code, schema=ErrorSchema, description=description)(func)
            return func

        return decorator

    @blp.route("/keys")
    class Keys(MethodView):
        @blp.doc(operationId="createKey", security=[])
        @json_body(KeyRequestSchema)
        @blp.response(201, KeySchema)
        def post(self, data: Mapping[str, str]) -> dict[str, str]:
            """Issue an API key for a name."""
            key = secrets.token_urlsafe(16)
            keys[key] = data["name"]
            return {"name": data["name"], "key": key}

    @blp.route("/")
    class Books(MethodView):
        @blp.doc(operationId="listBooks", security=security)
        @blp.response(200, book_schema(many=True))
        @blp.alt_response(401, schema=ErrorSchema, description="No valid API key")
        def get(self) -> list[dict[str, Any]]:
            """The caller's books."""
            if bug == "list-without-key":
                return list(books.values())
            name = owner()
            return [book for book in books.values() if book["owner"] == name]

        @blp.doc(operationId="createBook", security=security, responses={201: {"links": links}})
        @json_body(BookSchema)
        @blp.response(201, book_schema, headers=location)
        @blp.alt_response(401, schema=ErrorSchema, description="No valid API key")
        def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
            """Add a book."""
            name = owner()
            if bug == "crash-on-max-year" and data["year"] == MAX_YEAR:
                raise IndexError("century table has no entry for the last year")
            book = {"id": next(ids), "owner": name, **data}
            books[book["id"]] = book
            return book, 201, {"Location": url_for("books.Book", book_id=book["id"])}

    @blp.route("/<int:book_id>")
    class Book(MethodView):
        @blp.doc(operationId="getBook", security=security)
        @blp.response(200, book_schema)
        @blp.alt_response(401, schema=ErrorSchema, description="No valid API key")
        @blp.alt_response(404, schema=ErrorSchema, description="No such book for this key")
        def get(self, book_id: int) -> dict[str, Any]:
            """One book."""
            if bug == "any-key-reads-any-book":
                return books.get(book_id) or owned(book_id)
            return owned(book_id)

        @blp.doc(operationId="deleteBook", security=security)
        @blp.response(204)
        @blp.alt_response(401, schema=ErrorSchema, description="No valid API key")
        @blp.alt_response(404, schema=ErrorSchema, description="No such book for this key")
        def delete(self, book_id: int) -> None:
            """Remove a book."""
            books.pop(owned(book_id)["id"])

    return blp


def create_app(bug: str | None = None) -> Flask:
    """The books API; `bug` plants one of `PLANTED_BUGS`."""
    if bug is not None and bug not in PLANTED_BUGS:
        raise ValueError(f"Unknown bug {bug!r}; choose one of {PLANTED_BUGS}")
    app = Flask(__name__)
    app.config.update(API_TITLE="Books", API_VERSION="1.0.0", OPENAPI_VERSION="3.1.0")
    api = BooksApi(app)
    api.spec.components.security_scheme("ApiKey", {"type": "apiKey", "in": "header", "name": API_KEY_HEADER})
    api.register_blueprint(_books_blueprint(bug))
    app.after_request(_no_content_type_on_204)
    app.register_error_handler(RecursionError, body_too_deep)
    app.extensions["books_api"] = api
    return app


def openapi_document() -> dict[str, Any]:
    """The spec of the app without bugs, as the gate reads it."""
    return create_app().extensions["books_api"].spec.to_dict()


def create_app_with_string_ids() -> Flask:
    """A zero-argument factory (what `--app module:factory` takes) for the app with `id-as-string`."""
    return create_app("id-as-string")


def api_key_auth(client: Any, identity: str) -> dict[str, str]:
    """The gate's auth hook for this API: ask for a key under the identity's name, send it as a header."""
    response = client.request("POST", "/books/keys", json={"name": identity})
    if response.status != 201:
        raise RuntimeError(f"POST /books/keys answered {response.status}: {response.text[:200]}")
    return {API_KEY_HEADER: response.body["key"]}
