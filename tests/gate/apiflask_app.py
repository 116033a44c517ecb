"""A small APIFlask "pets" API whose clients sign in with OAuth2's password grant (RFC 6749 4.3).

The spec declares an `oauth2` scheme with `flows.password.tokenUrl`, so the gate gets its tokens with
`--oauth2-password-env USER_ENV:PASS_ENV` and no code. Two accounts exist (`ACCOUNTS`); each sees only its
own pets. `PLANTED_BUGS` are planted one at a time, the spec always comes from the app without any.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from apiflask import APIFlask, HTTPTokenAuth, Schema, abort
from apiflask.fields import Integer, String
from apiflask.validators import Length, OneOf, Range
from flask import Flask, jsonify, make_response

from tests.gate.other_app import StrictInteger

# Usernames and passwords of the API's two accounts (the tests export them as the gate reads them).
ACCOUNTS = {"ann": "ann-password-1", "ben": "ben-password-2"}
TOKEN_LIFETIME = 3600
PLANTED_BUGS = ("any-token-reads-any-pet", "token-without-type", "crash-on-empty-species")
SCHEME = "OAuth2"
OAUTH2 = {
    "type": "oauth2",
    "flows": {"password": {"tokenUrl": "/token", "scopes": {"pets": "read and write pets"}}},
}


class TokenRequest(Schema):
    grant_type = String(required=True, validate=OneOf(["password"]))
    username = String(required=True, validate=Length(max=40))
    password = String(required=True, validate=Length(max=100))
    scope = String(validate=Length(max=100))


class TokenAnswer(Schema):
    access_token = String(required=True)
    token_type = String(required=True)
    expires_in = Integer(required=True)


class PetIn(Schema):
    name = String(required=True, validate=Length(min=1, max=50))
    species = String(required=True, validate=Length(max=20))


class PetOut(Schema):
    id = StrictInteger(required=True)
    name = String(required=True)
    species = String(required=True)


class PetId(Schema):
    pet_id = StrictInteger(required=True, validate=Range(min=1, max=2**31))


def create_app(bug: str | None = None) -> Flask:
    """The pets API; `bug` plants one of `PLANTED_BUGS`."""
    if bug is not None and bug not in PLANTED_BUGS:
        raise ValueError(f"Unknown bug {bug!r}; choose one of {PLANTED_BUGS}")
    app = APIFlask(__name__, title="Pets", version="1.0.0")
    app.config.update(SECURITY_SCHEMES={SCHEME: OAUTH2}, AUTO_SERVERS=False)
    auth = HTTPTokenAuth(scheme="Bearer")
    tokens: dict[str, str] = {}
    pets: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    @auth.verify_token
    def verify(token: str) -> str | None:
        return tokens.get(token)

    def owned(pet_id: int) -> dict[str, Any]:
        pet = pets.get(pet_id)
        if pet is None or (bug != "any-token-reads-any-pet" and pet["owner"] != auth.current_user):
            abort(404, message=f"Pet {pet_id} does not exist.")
        return pet

    @app.post("/token")
    @app.input(TokenRequest, location="form")
    @app.output(TokenAnswer)
    @app.doc(operation_id="getToken", security=[], responses={200: "A token", 400: "Wrong credentials"})
    def token(form_data: dict[str, str]) -> Any:
        """Trade a username and password for a bearer token."""
        if ACCOUNTS.get(form_data["username"]) != form_data["password"]:
            # A Response, so APIFlask does not pass it through the 200 answer's schema.
            refused = {"error": "invalid_grant", "error_description": "Wrong username or password."}
            return make_response(jsonify(refused), 400)
        value = secrets.token_urlsafe(16)
        tokens[value] = form_data["username"]
        answer = {"access_token": value, "token_type": "bearer", "expires_in": TOKEN_LIFETIME}
        if bug == "token-without-type":
            answer.pop("token_type")
        return answer

    @app.get("/pets")
    @app.auth_required(auth)
    @app.output(PetOut(many=True))
    @app.doc(operation_id="listPets", security=SCHEME)
    def list_pets() -> list[dict[str, Any]]:
        """The caller's pets."""
        return [pet for pet in pets.values() if pet["owner"] == auth.current_user]

    @app.post("/pets")
    @app.auth_required(auth)
    @app.input(PetIn)
    @app.output(
        PetOut,
        status_code=201,
        links={"GetPet": {"operationId": "getPet", "parameters": {"pet_id": "$response.body#/id"}}},
    )
    @app.doc(operation_id="createPet", security=SCHEME, responses={201: "The new pet", 400: "Malformed JSON"})
    def create_pet(json_data: dict[str, str]) -> dict[str, Any]:
        """Add a pet."""
        if bug == "crash-on-empty-species" and not json_data["species"]:
            raise KeyError("species")
        pet = {"id": next(ids), "owner": auth.current_user, **json_data}
        pets[pet["id"]] = pet
        return pet, 201

    @app.get("/pets/<int:pet_id>")
    @app.auth_required(auth)
    @app.output(PetOut)
    @app.doc(operation_id="getPet", security=SCHEME, responses={200: "The pet", 404: "No such pet"})
    def get_pet(pet_id: int) -> dict[str, Any]:
        """One of the caller's pets."""
        return owned(pet_id)

    @app.errorhandler(RecursionError)
    def body_too_deep(_: RecursionError) -> Any:
        """A body nested deeper than the JSON parser recurses is malformed input, not a server error."""
        return {"message": "The body is nested too deeply.", "detail": {}}, 400

    @app.spec_processor
    def what_apiflask_leaves_out(spec: dict[str, Any]) -> dict[str, Any]:
        # A body is required (APIFlask answers 422 without one) but documented as optional.
        for path in ("/token", "/pets"):
            spec["paths"][path]["post"]["requestBody"]["required"] = True
        # RFC 6749 5.2: a refused grant is a 400 with an `error` object, not APIFlask's own envelope.
        refused = spec["paths"]["/token"]["post"]["responses"]["400"]
        refused["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/TokenError"}}}
        spec["components"]["schemas"]["TokenError"] = {
            "type": "object",
            "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
            "required": ["error"],
        }
        return spec

    return app


def openapi_document() -> dict[str, Any]:
    """The spec of the app without bugs, as the gate reads it."""
    return create_app().spec
