"""A tasks API written with flask-apispec on Flask 2.2 and marshmallow 3, gated by `make gate-compat`.

flask-apispec generates the spec from its decorators and serves it at /swagger/ (the gate reads it with
`--spec /swagger/`); the app takes one bearer token from TASKS_TOKEN (`--bearer-env TASKS_TOKEN`).
APISPEC_BUG=keep-deleted plants a bug: a deleted task answers 204 but stays readable, which the gate must
report as use_after_free.
"""

import itertools
import os

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, abort, request, url_for
from flask_apispec import FlaskApiSpec, MethodResource, doc, marshal_with, use_kwargs
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.exceptions import HTTPException

TOKEN_VARIABLE = "TASKS_TOKEN"
BUG_VARIABLE = "APISPEC_BUG"
MAX_ID = 2**31 - 1
SECURED = [{"Bearer": []}]
TASK_ID = {"task_id": {"schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}}
LOCATION = {"Location": {"description": "URL of the new task", "schema": {"type": "string"}}}
BY_ID = {
    name: {"operationId": operation, "parameters": {"task_id": "$response.body#/id"}}
    for name, operation in (("GetTask", "getTask"), ("DeleteTask", "deleteTask"))
}
CREATED = {"headers": LOCATION, "links": BY_ID}
DELETED = {"description": "Deleted"}


class Error(Schema):
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String())


class StrictBoolean(fields.Boolean):
    """Only JSON true and false: marshmallow's Boolean also takes 0, 1 and "yes", which the spec forbids."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class TaskIn(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(min=1, max=80))
    done = StrictBoolean()


class Task(TaskIn):
    id = fields.Integer(dump_only=True, required=True)
    done = fields.Boolean(required=True)


class OpenAPI3Parameters(BasePlugin):
    """flask-apispec writes Swagger 2 operations (an `in: body` parameter, a path parameter's bare `type`,
    a response's bare `schema`) even when the spec is OpenAPI 3: move the body into `requestBody`, the types
    into the parameter's `schema` and the response's schema into `content`, before the marshmallow plugin
    resolves the schemas."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            kept = []
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "body":
                    content = {"application/json": {"schema": parameter["schema"]}}
                    operation["requestBody"] = {"required": True, "content": content}
                    continue
                shape = {key: parameter.pop(key) for key in ("type", "format") if key in parameter}
                parameter["schema"] = {**shape, **parameter.get("schema", {})}
                kept.append(parameter)
            operation["parameters"] = kept
            for response in operation.get("responses", {}).values():
                if "schema" in response:
                    response["content"] = {"application/json": {"schema": response.pop("schema")}}


def error_responses(*statuses: tuple[int, str]):
    """Document error statuses with the envelope every error is sent in (the handler in create_app)."""

    def decorate(view):
        for status, description in statuses:
            view = marshal_with(Error, code=status, description=description)(view)
        return view

    return decorate


def resources(token: str, bug: str | None):
    """The two resources and their in-memory store, one per app so each app starts empty."""
    tasks = {}
    ids = itertools.count(1)

    class Secured(MethodResource):
        def dispatch_request(self, *args, **kwargs):
            if request.headers.get("Authorization") != f"Bearer {token}":
                abort(401, f"Send 'Authorization: Bearer <token>' with the token from {TOKEN_VARIABLE}.")
            return super().dispatch_request(*args, **kwargs)

    def find(task_id: int) -> dict:
        if task_id not in tasks:
            abort(404, f"Task {task_id} does not exist.")
        return tasks[task_id]

    unauthorized = (401, "No valid bearer token")

    class TaskList(Secured):
        @doc(operationId="listTasks", security=SECURED)
        @marshal_with(Task(many=True), code=200, description="Every task, oldest first")
        @error_responses(unauthorized)
        def get(self):
            return list(tasks.values())

        @doc(operationId="createTask", security=SECURED, responses={201: CREATED})
        @use_kwargs(TaskIn, location="json")
        @marshal_with(Task, code=201, description="The new task")
        @error_responses(
            unauthorized, (400, "The body is not valid JSON"), (422, "The body does not fit the schema")
        )
        def post(self, **data):
            task = {"id": next(ids), "done": False, **data}
            tasks[task["id"]] = task
            return task, 201, {"Location": url_for("task", task_id=task["id"])}

    class TaskItem(Secured):
        @doc(operationId="getTask", security=SECURED, params=TASK_ID)
        @marshal_with(Task, code=200, description="One task")
        @error_responses(unauthorized, (404, "No such task"))
        def get(self, task_id):
            return find(task_id)

        @doc(operationId="deleteTask", security=SECURED, params=TASK_ID, responses={204: DELETED})
        @error_responses(unauthorized, (404, "No such task"))
        def delete(self, task_id):
            find(task_id)
            if bug != "keep-deleted":
                del tasks[task_id]
            return Response(status=204)

    return TaskList, TaskItem


def json_error(error: HTTPException):
    """Every error in the documented envelope, keeping the exception's headers (a 405's `Allow`)."""
    messages = getattr(error, "data", {}).get("messages")
    body = {"code": error.code, "status": error.name, "message": error.description or error.name}
    if messages:
        body["errors"] = messages
    response = error.get_response()
    return body, error.code, {"Allow": response.headers["Allow"]} if "Allow" in response.headers else {}


def body_too_deep(_: RecursionError):
    """A body nested deeper than the JSON parser recurses is malformed input, a 400 like invalid JSON."""
    return {"code": 400, "status": "Bad Request", "message": "The body is nested too deeply."}, 400


def create_app() -> Flask:
    """The app, configured from the environment as the gate runs it."""
    app = Flask(__name__)
    spec = APISpec(
        title="Tasks",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[OpenAPI3Parameters(), MarshmallowPlugin()],
    )
    spec.components.security_scheme("Bearer", {"type": "http", "scheme": "bearer"})
    app.config.update(APISPEC_SPEC=spec, APISPEC_SWAGGER_UI_URL=None)
    app.register_error_handler(HTTPException, json_error)
    app.register_error_handler(RecursionError, body_too_deep)
    task_list, task_item = resources(os.environ[TOKEN_VARIABLE], os.environ.get(BUG_VARIABLE))
    app.add_url_rule("/tasks/", view_func=task_list.as_view("tasks"))
    app.add_url_rule(f"/tasks/<int(min=1, max={MAX_ID}):task_id>", view_func=task_item.as_view("task"))
    docs = FlaskApiSpec(app, document_options=False)
    docs.register(task_list, endpoint="tasks")
    docs.register(task_item, endpoint="task")
    return app
