"""The Todo API service: `create_app()` builds a configured Flask app."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Flask, send_from_directory

from app import database, request_id, security, throttle
from app.api import Api
from app.config import load_settings
from app.log_format import configure_logging
from app.schemas.enums import named_enum_attribute

__all__ = ["create_app"]

DOCS_ASSETS = "/docs/assets/"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides environment variables, which override the defaults."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_settings(app.instance_path, config))
    app.config.update(
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=DOCS_ASSETS,
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "A multi-user Todo API. Register, log in for a bearer token, then manage your todos. "
                    "Every error has the `Error` body."
                ),
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A token from `POST /api/auth/login`.",
                    }
                }
            },
        },
    )
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    request_id.init_app(app)
    database.init_app(app)
    security.init_app(app)
    throttle.init_app(app)

    api = Api(app)
    api.ma_plugin.converter.add_attribute_function(named_enum_attribute)
    _register_blueprints(api)
    app.extensions["api"] = api

    @app.get(DOCS_ASSETS + "<path:filename>")
    def docs_assets(filename: str) -> Any:
        """Swagger UI's files, served locally: the docs page works without internet access."""
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=3600)

    return app


def _register_blueprints(api: Api) -> None:
    from app import health
    from app.auth import blp as auth_blp
    from app.todos import blp as todos_blp

    api.register_blueprint(health.blp)
    api.register_blueprint(auth_blp)
    api.register_blueprint(todos_blp)
    try:
        from app.web import bp as web_bp
    except ImportError:  # the web page is optional
        return
    api._app.register_blueprint(web_bp)
