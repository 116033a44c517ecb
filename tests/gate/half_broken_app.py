"""A small Flask "items" API whose hand-written spec is half broken, and which prints while it answers.

The spec (served at `/openapi.json`) has two defects the gate must report on their operations: the enum of
`GET /items`'s `kind` parameter is a `$ref` to a component that does not exist, and the body of
`POST /items` has `examples: 1` where JSON Schema wants an array (Schemathesis' coverage phase raises on
it). `GET /ping` is correct and must be tested as usual. Every handler `print()`s or writes to
`sys.stderr`, as apps written for a terminal do.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

from flask import Flask, jsonify, request

JSON_OBJECT = {"application/json": {"schema": {"type": "object", "additionalProperties": False}}}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "items", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "operationId": "listItems",
                "parameters": [
                    {"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/Kind"}}
                ],
                "responses": {
                    "200": {
                        "description": "the items",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"type": "integer"}, "maxItems": 1}
                            }
                        },
                    },
                    "422": {"description": "not a kind", "content": JSON_OBJECT},
                },
            },
            "post": {
                "operationId": "createItem",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"n": {"type": "integer", "examples": 1}},
                                "required": ["n"],
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "created", "content": JSON_OBJECT},
                    "400": {"description": "not JSON", "content": JSON_OBJECT},
                    "422": {"description": "no integer n", "content": JSON_OBJECT},
                },
            },
        },
        "/ping": {
            "get": {
                "operationId": "ping",
                "responses": {"200": {"description": "alive", "content": JSON_OBJECT}},
            }
        },
    },
    "components": {"schemas": {"Kinds": {"type": "string", "enum": ["a", "b"]}}},
}
# Where the defects are (JSON pointers), for the tests.
DANGLING_REF = "/paths/~1items/get/parameters/0/schema/$ref"
EXAMPLES_NOT_AN_ARRAY = (
    "/paths/~1items/post/requestBody/content/application~1json/schema/properties/n/examples"
)


def fixed_spec() -> dict[str, Any]:
    """The same spec with both defects fixed: what the author meant."""
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["Kind"] = spec["components"]["schemas"].pop("Kinds")
    body = spec["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    del body["properties"]["n"]["examples"]
    body["properties"]["n"]["example"] = 1  # OpenAPI 3.0's one example (`examples` is 3.1's array)
    return spec


def create_app(spec: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(spec or SPEC)

    @app.get("/items")
    def list_items() -> Any:
        kinds = request.args.getlist("kind")
        print(f"listing items of kind {kinds}")
        if len(kinds) > 1 or (kinds and kinds[0] not in ("a", "b")):
            return jsonify({}), 422
        return jsonify([1])

    @app.post("/items")
    def create_item() -> Any:
        body = request.get_json(silent=True)
        if body is None:
            return jsonify({}), 400
        n = body.get("n") if isinstance(body, dict) else None
        if not isinstance(n, int) or isinstance(n, bool):
            sys.stderr.write("rejected an item without an integer n\n")
            return jsonify({}), 422
        print("created item", n, flush=True)
        return jsonify({}), 201

    @app.get("/ping")
    def ping() -> Any:
        print("pong")
        return jsonify({})

    return app


def create_fixed_app() -> Flask:
    return create_app(fixed_spec())
