"""Another flask-smorest app, with a factory that takes no configuration: build and check work on it too."""

from __future__ import annotations

from flask import Flask
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields

blp = Blueprint("notes", __name__, url_prefix="/notes")


class NoteSchema(Schema):
    text = fields.String(required=True)


@blp.route("/")
class Notes(MethodView):
    @blp.response(200, NoteSchema(many=True))
    def get(self) -> list[dict[str, str]]:
        return []


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(API_TITLE="Notes", API_VERSION="3.2.1", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    api.register_blueprint(blp)
    return app
