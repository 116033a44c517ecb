"""A synthetic flask-smorest API of any size: N/5 CRUD resources, each linked to the one before it.

The scaling benchmark (`bench/contract_scaling.py`) measures the gate on 10, 20, 40 and 80 operations of it,
and the gate's tests check that the generator makes a valid spec the gate passes. Every resource has the
same five operations (create, list, get, patch, delete), bounded fields, and OpenAPI links: from its
create to its get/patch/delete by the new id, and from its get to the parent resource's get by
`parent_id`, so the stateful phase has links within and between resources, as a real API has.
"""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from tests.gate.other_app import (
    BODY_ERRORS,
    BooksApi,
    ErrorSchema,
    StrictInteger,
    _no_content_type_on_204,
    body_too_deep,
)

OPERATIONS_PER_RESOURCE = 5
MAX_COUNT = 1000
MAX_ID = 2**31 - 1


def resource_count(operations: int) -> int:
    """How many resources make `operations` operations (a multiple of five)."""
    if operations < OPERATIONS_PER_RESOURCE or operations % OPERATIONS_PER_RESOURCE:
        raise ValueError(
            f"operations must be a positive multiple of {OPERATIONS_PER_RESOURCE}, got {operations}"
        )
    return operations // OPERATIONS_PER_RESOURCE


def _schemas(name: str, has_parent: bool) -> tuple[type[Schema], type[Schema], type[Schema]]:
    """The resource's body (create), patch and response schemas, named so apispec gives each a component."""
    body: dict[str, Any] = {
        "name": fields.String(required=True, validate=validate.Length(min=1, max=40)),
        "count": StrictInteger(validate=validate.Range(min=0, max=MAX_COUNT)),
    }
    if has_parent:
        body["parent_id"] = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_ID))
    patch = {
        "name": fields.String(validate=validate.Length(min=1, max=40)),
        "count": StrictInteger(validate=validate.Range(min=0, max=MAX_COUNT)),
    }
    shown: dict[str, Any] = {
        "id": StrictInteger(required=True),
        "name": fields.String(required=True),
        "count": StrictInteger(required=True),
    }
    if has_parent:
        shown["parent_id"] = StrictInteger(required=True)
    return (
        Schema.from_dict(body, name=f"{name}Create"),
        Schema.from_dict(patch, name=f"{name}Patch"),
        Schema.from_dict(shown, name=name),
    )


def _links(name: str, parent: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Links of the resource's create (to its own item operations) and of its get (to the parent's get)."""
    by_id = {"item_id": "$response.body#/id"}
    created = {
        f"Get{name}": {"operationId": f"get{name}", "parameters": by_id},
        f"Patch{name}": {"operationId": f"patch{name}", "parameters": by_id},
        f"Delete{name}": {"operationId": f"delete{name}", "parameters": by_id},
    }
    read = {}
    if parent is not None:
        read[f"GetParent{parent}"] = {
            "operationId": f"get{parent}",
            "parameters": {"item_id": "$response.body#/parent_id"},
        }
    return created, read


def _resource_blueprint(index: int, stores: list[dict[int, dict[str, Any]]]) -> Blueprint:
    name = f"Item{index:02d}"
    parent = f"Item{index - 1:02d}" if index else None
    create_schema, patch_schema, schema = _schemas(name, parent is not None)
    created_links, read_links = _links(name, parent)
    store = stores[index]
    ids = itertools.count(1)
    blp = Blueprint(name.lower(), __name__, url_prefix=f"/{name.lower()}s", description=f"{name} resources")

    def body_errors(func: Any) -> Any:
        for code, description in BODY_ERRORS.items():
            func = blp.alt_response(code, schema=ErrorSchema, description=description)(func)
        return func

    def found(item_id: int) -> dict[str, Any]:
        item = store.get(item_id)
        if item is None:
            abort(404, message=f"{name} {item_id} does not exist.")
        return item

    @blp.route("/")
    class Collection(MethodView):
        @blp.doc(operationId=f"list{name}")
        @blp.arguments(
            Schema.from_dict(
                # Query values arrive as text, so this integer parses "20" (a body's stays strict).
                {"limit": fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))},
                name=f"{name}ListQuery",
            ),
            location="query",
        )
        @blp.response(200, schema(many=True))
        def get(self, query: dict[str, int]) -> list[dict[str, Any]]:
            """The first `limit` items."""
            return list(store.values())[: query["limit"]]

        @blp.doc(operationId=f"create{name}", responses={201: {"links": created_links}})
        @body_errors
        @blp.arguments(create_schema)
        @blp.response(201, schema)
        @blp.alt_response(404, schema=ErrorSchema, description="The parent does not exist")
        def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
            """Create an item (under an existing parent item, when the resource has one)."""
            if parent is not None and data["parent_id"] not in stores[index - 1]:
                abort(404, message=f"{parent} {data['parent_id']} does not exist.")
            item = {"id": next(ids), "count": 0, **data}
            store[item["id"]] = item
            return item, 201

    @blp.route("/<int:item_id>")
    class Item(MethodView):
        @blp.doc(operationId=f"get{name}", responses={200: {"links": read_links}} if read_links else {})
        @blp.response(200, schema)
        @blp.alt_response(404, schema=ErrorSchema, description="No such item")
        def get(self, item_id: int) -> dict[str, Any]:
            """One item."""
            return found(item_id)

        @blp.doc(operationId=f"patch{name}")
        @body_errors
        @blp.arguments(patch_schema)
        @blp.response(200, schema)
        @blp.alt_response(404, schema=ErrorSchema, description="No such item")
        def patch(self, data: dict[str, Any], item_id: int) -> dict[str, Any]:
            """Change some fields of an item."""
            item = found(item_id)
            item.update(data)
            return item

        @blp.doc(operationId=f"delete{name}")
        @blp.response(204)
        @blp.alt_response(404, schema=ErrorSchema, description="No such item")
        def delete(self, item_id: int) -> None:
            """Remove an item."""
            store.pop(found(item_id)["id"])

    return blp


def _require_json() -> None:
    # Before the body is parsed, so a non-JSON body earns the documented 415 rather than a 422; an undeclared
    # method or unknown path keeps its routing error (405 with `Allow`, 404).
    routed = request.routing_exception is None
    if routed and request.method in ("POST", "PUT", "PATCH") and not request.is_json:
        abort(415, message="Send the body as application/json.")


def create_app(operations: int = 10) -> Flask:
    """A fresh app with `operations` operations (a multiple of five), its storage in memory."""
    count = resource_count(operations)
    app = Flask(__name__)
    app.config.update(API_TITLE=f"Synthetic {operations}", API_VERSION="1.0.0", OPENAPI_VERSION="3.1.0")
    api = BooksApi(app)
    stores: list[dict[int, dict[str, Any]]] = [{} for _ in range(count)]
    for index in range(count):
        api.register_blueprint(_resource_blueprint(index, stores))
    app.before_request(_require_json)
    app.after_request(_no_content_type_on_204)
    # The boundary probes' deeply nested body: malformed input (400), as the books app answers it.
    app.register_error_handler(RecursionError, body_too_deep)
    app.extensions["synthetic_api"] = api
    return app


def openapi_document(operations: int = 10) -> dict[str, Any]:
    """The spec of the synthetic app of that size."""
    return create_app(operations).extensions["synthetic_api"].spec.to_dict()


def create_app_80() -> Flask:
    """The 80-operation app as a zero-argument factory (what `--app module:factory` takes)."""
    return create_app(80)


def create_app_10() -> Flask:
    """The 10-operation app as a zero-argument factory, for the command line's runs in the tests."""
    return create_app(10)
