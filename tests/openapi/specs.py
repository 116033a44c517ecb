"""Small specs for the rule tests: one clean document that every lint rule accepts, and ways to change it."""

from __future__ import annotations

import copy
from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": dict(ERROR_REF)}}}


def json_body(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def clean_spec(openapi: str = "3.1.0") -> dict[str, Any]:
    """A pet store that passes every lint rule: secured by default, one public operation, shared schemas."""
    nullable_age: dict[str, Any] = (
        {"type": ["integer", "null"], "minimum": 0, "maximum": 100}
        if openapi.startswith("3.1")
        else {"type": "integer", "nullable": True, "minimum": 0, "maximum": 100}
    )
    pet_fields = {
        "name": {"type": "string", "minLength": 1, "maxLength": 50, "example": "Rex"},
        "kind": ref("Kind"),
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 10}, "maxItems": 5},
        "age": nullable_age,
    }
    return copy.deepcopy(
        {
            "openapi": openapi,
            "info": {"title": "Pets", "version": "1.0.0"},
            "tags": [{"name": "pets"}],
            "security": [{"bearer": []}],
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                "schemas": {
                    "Error": {
                        "type": "object",
                        "properties": {"message": {"type": "string"}},
                        "required": ["message"],
                    },
                    "Health": {
                        "type": "object",
                        "properties": {"ok": {"type": "boolean"}},
                        "required": ["ok"],
                    },
                    "Kind": {"type": "string", "enum": ["cat", "dog"]},
                    "Pet": {
                        "type": "object",
                        "properties": {"id": {"type": "integer", "readOnly": True}, **pet_fields},
                        "required": ["id", "name", "kind", "tags"],
                    },
                    "PetCreate": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": copy.deepcopy(pet_fields),
                        "required": ["name", "kind"],
                    },
                },
            },
            "paths": {
                "/pets": {
                    "get": {
                        "operationId": "listPets",
                        "summary": "List pets",
                        "tags": ["pets"],
                        "parameters": [
                            {
                                "name": "limit",
                                "in": "query",
                                "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                            }
                        ],
                        "responses": {
                            "200": json_body({"type": "array", "items": ref("Pet")}),
                            "401": error("No credentials"),
                            "422": error("Invalid"),
                        },
                    },
                    "post": {
                        "operationId": "createPet",
                        "summary": "Add a pet",
                        "tags": ["pets"],
                        "requestBody": {
                            "required": True,
                            "content": {"application/json": {"schema": ref("PetCreate")}},
                        },
                        "responses": {
                            "201": {
                                **json_body(ref("Pet"), "Created"),
                                "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
                            },
                            "401": error("No credentials"),
                            "422": error("Invalid"),
                        },
                    },
                },
                "/pets/{pet_id}": {
                    "parameters": [
                        {
                            "name": "pet_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                        }
                    ],
                    "get": {
                        "operationId": "getPet",
                        "summary": "One pet",
                        "tags": ["pets"],
                        "responses": {
                            "200": {
                                **json_body(ref("Pet")),
                                "headers": {
                                    "ETag": {"required": True, "schema": {"type": "string"}},
                                    "X-Trace": {"schema": {"type": "string"}},
                                },
                            },
                            "401": error("No credentials"),
                            "404": error("No such pet"),
                        },
                    },
                    "delete": {
                        "operationId": "deletePet",
                        "summary": "Remove a pet",
                        "tags": ["pets"],
                        "responses": {
                            "204": {"description": "Gone"},
                            "401": error("No credentials"),
                            "404": error("No such pet"),
                        },
                    },
                },
                "/health": {
                    "get": {
                        "operationId": "health",
                        "summary": "Health",
                        "tags": ["pets"],
                        "security": [],
                        "responses": {"200": json_body(ref("Health"))},
                    }
                },
            },
        }
    )
