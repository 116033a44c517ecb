"""A notes API for Flask 2.2, marshmallow 3 and flask-smorest 0.42, gated by `make gate-compat`.

It serves its own spec at /openapi.json (the gate reads it with `--spec /openapi.json`) and takes one bearer
token from NOTES_TOKEN (the gate sends it with `--bearer-env NOTES_TOKEN`). NOTES_BUG=drop-title plants a
bug: listed notes lose their required `title`, which the gate must report as response_schema_conformance.
"""

import itertools
import os

from flask import Flask, request, url_for
from flask_smorest import Api, Blueprint, abort
from marshmallow import RAISE, Schema, fields, validate

TOKEN_VARIABLE = "NOTES_TOKEN"
BUG_VARIABLE = "NOTES_BUG"
SECURED = [{"Bearer": []}]
MAX_ID = 2**31 - 1
UNAUTHORIZED = "No valid bearer token"
LOCATION = {"Location": {"description": "URL of the new note", "schema": {"type": "string"}}}


class Error(Schema):
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict(keys=fields.String())


class NoteIn(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(min=1, max=80))
    tags = fields.List(fields.String(validate=validate.Length(max=20)), validate=validate.Length(max=5))


class Note(NoteIn):
    id = fields.Integer(dump_only=True, required=True)
    tags = fields.List(fields.String(), required=True)


class NotesApi(Api):
    """Every error in one envelope; a 405 keeps its `Allow` header; no catch-all `default` response."""

    ERROR_SCHEMA = Error
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error):
        body, status, headers = super().handle_http_exception(error)
        body.setdefault("message", error.description or error.name)
        allow = dict(error.get_headers()).get("Allow")
        return body, status, {**(headers or {}), **({"Allow": allow} if allow else {})}


def notes_blueprint(token, bug):
    """The routes and their in-memory store, one per app so each app starts empty."""
    blp = Blueprint("notes", __name__, url_prefix="/notes")
    notes = {}
    ids = itertools.count(1)
    by_id = {"GetNote": {"operationId": "getNote", "parameters": {"note_id": "$response.body#/id"}}}

    @blp.before_request
    def authenticate():
        if request.headers.get("Authorization") != f"Bearer {token}":
            abort(401, message=f"Send 'Authorization: Bearer <token>' with the token from {TOKEN_VARIABLE}.")
        if request.method == "POST" and not request.is_json:
            abort(415, message="Send the body as application/json.")

    @blp.route("/", methods=["GET"])
    @blp.doc(operationId="listNotes", security=SECURED)
    @blp.response(200, Note(many=True))
    @blp.alt_response(401, schema=Error, description=UNAUTHORIZED)
    def list_notes():
        """Every note, oldest first."""
        if bug == "drop-title":
            return [{"id": note["id"], "tags": note["tags"]} for note in notes.values()]
        return list(notes.values())

    @blp.route("/", methods=["POST"])
    @blp.doc(operationId="createNote", security=SECURED, responses={201: {"links": by_id}})
    @blp.arguments(NoteIn)
    @blp.response(201, Note, headers=LOCATION)
    @blp.alt_response(400, schema=Error, description="The body is not valid JSON")
    @blp.alt_response(401, schema=Error, description=UNAUTHORIZED)
    @blp.alt_response(415, schema=Error, description="The body is not application/json")
    def create_note(data):
        """Add a note."""
        note = {"id": next(ids), "tags": [], **data}
        notes[note["id"]] = note
        return note, 201, {"Location": url_for("notes.get_note", note_id=note["id"])}

    @blp.route(f"/<int(max={MAX_ID}):note_id>", methods=["GET"])
    @blp.doc(operationId="getNote", security=SECURED)
    @blp.response(200, Note)
    @blp.alt_response(401, schema=Error, description=UNAUTHORIZED)
    @blp.alt_response(404, schema=Error, description="No such note")
    def get_note(note_id):
        """One note."""
        if note_id not in notes:
            abort(404, message=f"Note {note_id} does not exist.")
        return notes[note_id]

    return blp


def body_too_deep(_: RecursionError):
    """A body nested deeper than the JSON parser recurses is malformed input: the documented 400."""
    return {"code": 400, "status": "Bad Request", "message": "The body is nested too deeply."}, 400


def create_app():
    """The app, configured from the environment as the gate runs it."""
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Notes",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = NotesApi(app)
    app.register_error_handler(RecursionError, body_too_deep)
    api.spec.components.security_scheme("Bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(notes_blueprint(os.environ[TOKEN_VARIABLE], os.environ.get(BUG_VARIABLE)))
    return app
