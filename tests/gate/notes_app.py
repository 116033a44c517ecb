"""A small flask-smorest "notes" API on SQLite, written as such apps usually are: the classic 500s.

`<int:note_id>` is documented as `{"type": "integer", "minimum": 0}`, so any larger integer is valid by
the spec; SQLite stores 64 bits, and Python's sqlite3 raises OverflowError for more. Schemathesis derives
boundaries from documented bounds only, so with a fixed seed it never sends 2**63; the gate's boundary
probes send it whatever the seed. A deeply nested JSON body makes the JSON parser raise RecursionError,
which Flask does not turn into a 400. `create_bounded_app` is the app with both fixed: a 404 for an id
no row can have, a 400 for a body too deep to parse. It must pass.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

# The books API's envelope and error handling (405 keeps its `Allow`), and its JSON Schema integer.
from tests.gate.other_app import BooksApi as NotesApi
from tests.gate.other_app import ErrorSchema, StrictInteger, body_too_deep

INT64_MAX = 2**63 - 1


class NoteSchema(Schema):
    id = fields.Integer(dump_only=True, required=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=200))
    rank = StrictInteger(required=True, validate=validate.Range(min=-INT64_MAX, max=INT64_MAX))


def _database() -> sqlite3.Connection:
    if "db" not in g:
        from flask import current_app

        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
    return g.db


def _notes_blueprint(bounded: bool) -> Blueprint:
    blp = Blueprint("notes", __name__, url_prefix="/notes", description="Notes in SQLite")
    note_schema = NoteSchema
    not_found = {"schema": ErrorSchema, "description": "No such note"}

    def load(note_id: int) -> dict[str, Any]:
        row = _database().execute("SELECT id, text, rank FROM note WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            abort(404, message=f"Note {note_id} does not exist.")
        return dict(row)

    @blp.route("/")
    class Notes(MethodView):
        @blp.doc(operationId="createNote")
        @blp.arguments(note_schema)
        @blp.response(201, note_schema)
        @blp.alt_response(400, schema=ErrorSchema, description="The body is not valid JSON")
        @blp.alt_response(422, schema=ErrorSchema, description="Invalid note")
        def post(self, data: dict[str, Any]) -> dict[str, Any]:
            """Add a note."""
            db = _database()
            cursor = db.execute("INSERT INTO note (text, rank) VALUES (?, ?)", (data["text"], data["rank"]))
            db.commit()
            return load(int(cursor.lastrowid or 0))

    @blp.route("/<int:note_id>")
    class Note(MethodView):
        @blp.doc(operationId="getNote")
        @blp.response(200, note_schema)
        @blp.alt_response(404, **not_found)
        def get(self, note_id: int) -> dict[str, Any]:
            """One note."""
            if bounded and note_id > INT64_MAX:
                abort(404, message=f"Note {note_id} does not exist.")  # no row can have such an id
            return load(note_id)

    return blp


def create_app(bounded: bool = False, serve_spec: bool = False) -> Flask:
    """The notes API on the database DATABASE_URL names (a fresh temporary file when unset).

    `serve_spec` publishes the spec at /openapi.json, as most flask-smorest apps do.
    """
    app = Flask(__name__)
    url = os.environ.get("DATABASE_URL", "")
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    if path is None:
        path = str(Path(tempfile.mkdtemp(prefix="notes-")) / "notes.sqlite3")
    app.config.update(API_TITLE="Notes", API_VERSION="1.0.0", OPENAPI_VERSION="3.1.0", DATABASE=path)
    if serve_spec:
        app.config["OPENAPI_URL_PREFIX"] = "/"
    api = NotesApi(app)
    api.register_blueprint(_notes_blueprint(bounded))
    app.extensions["notes_api"] = api
    if bounded:
        app.register_error_handler(RecursionError, body_too_deep)

    @app.teardown_appcontext
    def close(_: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.cli.command("init-db")
    def init_db() -> None:
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT, rank INT)")
        connection.commit()
        connection.close()

    return app


def create_bounded_app() -> Flask:
    """The fixed app: `rank` documents the bound its column has, an id past any row's is a 404."""
    return create_app(bounded=True)


def openapi_document(bounded: bool = False) -> dict[str, Any]:
    return create_app(bounded).extensions["notes_api"].spec.to_dict()
