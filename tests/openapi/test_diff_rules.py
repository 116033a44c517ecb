"""Each diff rule: a pair of small specs whose only difference is the change the rule is about."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from openapi import diff
from openapi.diff import rules as br
from openapi.diff import schema_keywords as sk
from openapi.diff import schema_values as sv
from tests.openapi.specs import clean_spec, json_body, ref

Spec = dict[str, Any]
Mutation = Callable[[Spec], None]


def _paths(spec: Spec) -> dict[str, Any]:
    return spec["paths"]


def _op(spec: Spec, path: str, method: str) -> dict[str, Any]:
    return spec["paths"][path][method]


def _schemas(spec: Spec) -> dict[str, Any]:
    return spec["components"]["schemas"]


def _rename_kind(spec: Spec) -> None:
    schemas = _schemas(spec)
    schemas["Species"] = schemas.pop("Kind")
    for name in ("Pet", "PetCreate"):
        schemas[name]["properties"]["kind"] = ref("Species")


def _add_header(required: bool) -> Mutation:
    def mutate(spec: Spec) -> None:
        _op(spec, "/pets", "get")["parameters"].append(
            {
                "name": "X-Tenant",
                "in": "header",
                "required": required,
                "schema": {"type": "string", "maxLength": 9},
            }
        )

    return mutate


def _rename_path_param(spec: Spec) -> None:
    item = _paths(spec).pop("/pets/{pet_id}")
    item["parameters"][0]["name"] = "id"
    _paths(spec)["/pets/{id}"] = item


def _body_on_delete(required: bool) -> Mutation:
    def mutate(spec: Spec) -> None:
        _op(spec, "/pets/{pet_id}", "delete")["requestBody"] = {
            "required": required,
            "content": {"application/json": {"schema": ref("Health")}},
        }

    return mutate


def _create_body(spec: Spec) -> dict[str, Any]:
    return _op(spec, "/pets", "post")["requestBody"]


def _create_schema(spec: Spec) -> dict[str, Any]:
    return _schemas(spec)["PetCreate"]


def _pet(spec: Spec) -> dict[str, Any]:
    return _schemas(spec)["Pet"]


def _get_headers(spec: Spec) -> dict[str, Any]:
    return _op(spec, "/pets/{pet_id}", "get")["responses"]["200"]["headers"]


def _nothing(spec: Spec) -> None:
    return None


def _health(**fields: Any) -> Mutation:
    """Set fields (deprecated, x-sunset, x-stability-level) on the public health operation."""
    return lambda spec: _op(spec, "/health", "get").update(fields)


def _limit(**fields: Any) -> Mutation:
    """Set fields on the `limit` query parameter of GET /pets."""
    return lambda spec: _op(spec, "/pets", "get")["parameters"][0].update(fields)


def _drop_limit(spec: Spec) -> None:
    _op(spec, "/pets", "get")["parameters"].pop(0)


def _drop_delete(spec: Spec) -> None:
    _paths(spec)["/pets/{pet_id}"].pop("delete")


def _delete_op(**fields: Any) -> Mutation:
    return lambda spec: _op(spec, "/pets/{pet_id}", "delete").update(fields)


FUTURE, PAST = "2999-01-01", "2000-01-01"


def _health_media(media: str) -> Mutation:
    """GET /health's 200 response under another media type name, same schema."""

    def mutate(spec: Spec) -> None:
        content = _op(spec, "/health", "get")["responses"]["200"]["content"]
        content[media] = content.pop("application/json")

    return mutate


def _oauth(
    token_url: str = "https://auth.example/token",
    scopes: dict[str, str] | None = None,
    refresh_url: str = "https://auth.example/refresh",
) -> Mutation:
    """An OAuth2 scheme in components (used by no operation)."""
    flow = {
        "tokenUrl": token_url,
        "refreshUrl": refresh_url,
        "scopes": scopes or {"read": "Read", "write": "Write"},
    }
    return lambda spec: spec["components"]["securitySchemes"].update(
        oauth={"type": "oauth2", "flows": {"clientCredentials": flow}}
    )


def _webhook(required: bool = False) -> Mutation:
    def mutate(spec: Spec) -> None:
        spec["webhooks"] = {
            "petBorn": {
                "post": {
                    "operationId": "petBorn",
                    "requestBody": {
                        "required": required,
                        "content": {"application/json": {"schema": ref("Pet")}},
                    },
                    "responses": {"200": {"description": "Received"}},
                }
            }
        }

    return mutate


# rule id -> (change to the base, change to the head, how many times it is reported)
FIXED: dict[str, tuple[Mutation, Mutation, int]] = {
    "api-path-removed": (_nothing, lambda s: _paths(s).pop("/health"), 1),
    "api-operation-removed": (_nothing, lambda s: _paths(s)["/pets/{pet_id}"].pop("delete"), 1),
    "api-path-added": (lambda s: _paths(s).pop("/health"), _nothing, 1),
    "api-operation-added": (lambda s: _paths(s)["/pets/{pet_id}"].pop("delete"), _nothing, 1),
    "api-operation-id-removed": (_nothing, lambda s: _op(s, "/health", "get").pop("operationId"), 1),
    "api-operation-id-changed": (_nothing, lambda s: _op(s, "/health", "get").update(operationId="ping"), 1),
    "api-operation-id-added": (lambda s: _op(s, "/health", "get").pop("operationId"), _nothing, 1),
    "api-deprecated": (_nothing, lambda s: _op(s, "/health", "get").update(deprecated=True), 1),
    "api-security-added": (_nothing, lambda s: _op(s, "/health", "get").pop("security"), 1),
    "api-security-removed": (_nothing, lambda s: _op(s, "/pets/{pet_id}", "get").update(security=[]), 1),
    "api-security-changed": (
        _nothing,
        lambda s: _op(s, "/pets/{pet_id}", "get").update(security=[{"apiKey": []}]),
        1,
    ),
    "api-security-scope-added": (
        _nothing,
        lambda s: _op(s, "/pets/{pet_id}", "get").update(security=[{"bearer": ["admin"]}]),
        1,
    ),
    "api-security-scope-removed": (
        lambda s: _op(s, "/pets/{pet_id}", "get").update(security=[{"bearer": ["admin"]}]),
        _nothing,
        1,
    ),
    "api-security-component-added": (_nothing, _oauth(), 1),
    "api-security-component-removed": (_oauth(), _nothing, 1),
    "api-security-component-oauth-token-url-changed": (
        _oauth(),
        _oauth(token_url="https://auth.example/v2/token"),
        1,
    ),
    "api-security-component-oauth-url-changed": (_oauth(), _oauth(refresh_url="https://auth.example/v2"), 1),
    "api-security-component-oauth-scope-removed": (_oauth(), _oauth(scopes={"read": "Read"}), 1),
    "api-security-component-oauth-scope-added": (
        _oauth(),
        _oauth(scopes={"read": "Read", "write": "Write", "admin": "Admin"}),
        1,
    ),
    "api-security-alternative-added": (
        _nothing,
        lambda s: s["security"].append({"bearer": ["read"]}),
        4,  # every operation that inherits the document's security
    ),
    "security-scheme-changed": (
        _nothing,
        lambda s: s["components"]["securitySchemes"]["bearer"].update(scheme="basic"),
        1,
    ),
    "api-schema-added": (_nothing, lambda s: _schemas(s).update(Unused={"type": "object"}), 1),
    "new-required-request-parameter": (_nothing, _add_header(True), 1),
    "new-optional-request-parameter": (_nothing, _add_header(False), 1),
    "request-parameter-removed": (_add_header(False), _nothing, 1),
    "request-parameter-became-required": (
        _nothing,
        lambda s: _op(s, "/pets", "get")["parameters"][0].update(required=True),
        1,
    ),
    "request-parameter-became-optional": (
        lambda s: _op(s, "/pets", "get")["parameters"][0].update(required=True),
        _nothing,
        1,
    ),
    "request-path-parameter-renamed": (_nothing, _rename_path_param, 2),
    "new-required-request-body": (_nothing, _body_on_delete(True), 1),
    "new-optional-request-body": (_nothing, _body_on_delete(False), 1),
    "request-body-removed": (_body_on_delete(False), _nothing, 1),
    "request-body-became-required": (lambda s: _create_body(s).update(required=False), _nothing, 1),
    "request-body-became-optional": (_nothing, lambda s: _create_body(s).update(required=False), 1),
    "request-body-media-type-removed": (
        lambda s: _create_body(s)["content"].update({"application/xml": {"schema": ref("PetCreate")}}),
        _nothing,
        1,
    ),
    "request-body-media-type-added": (
        _nothing,
        lambda s: _create_body(s)["content"].update({"application/xml": {"schema": ref("PetCreate")}}),
        1,
    ),
    "request-body-media-type-schema-added": (
        lambda s: _create_body(s)["content"].update({"text/plain": {}}),
        lambda s: _create_body(s)["content"].update({"text/plain": {"schema": {"type": "string"}}}),
        1,
    ),
    "request-body-media-type-schema-removed": (
        lambda s: _create_body(s)["content"].update({"text/plain": {"schema": {"type": "string"}}}),
        lambda s: _create_body(s)["content"].update({"text/plain": {}}),
        1,
    ),
    "response-body-media-type-schema-added": (
        lambda s: _op(s, "/health", "get")["responses"]["200"]["content"]["application/json"].pop("schema"),
        _nothing,
        1,
    ),
    "response-body-media-type-schema-removed": (
        _nothing,
        lambda s: _op(s, "/health", "get")["responses"]["200"]["content"]["application/json"].pop("schema"),
        1,
    ),
    "response-media-type-name-specialized": (_nothing, _health_media("application/problem+json"), 1),
    "response-media-type-name-generalized": (_health_media("application/problem+json"), _nothing, 1),
    "response-media-type-name-changed": (_nothing, _health_media("application/json; charset=utf-8"), 1),
    "new-required-request-property": (
        _nothing,
        lambda s: (
            _create_schema(s)["properties"].update(owner={"type": "string", "maxLength": 5}),
            _create_schema(s)["required"].append("owner"),
        ),
        1,
    ),
    "new-optional-request-property": (
        _nothing,
        lambda s: _create_schema(s)["properties"].update(owner={"type": "string", "maxLength": 5}),
        1,
    ),
    "request-property-removed": (
        lambda s: _create_schema(s).pop("additionalProperties"),
        lambda s: (_create_schema(s).pop("additionalProperties"), _create_schema(s)["properties"].pop("age")),
        1,
    ),
    "request-property-removed-rejected": (_nothing, lambda s: _create_schema(s)["properties"].pop("age"), 1),
    "request-property-became-required": (_nothing, lambda s: _create_schema(s)["required"].append("age"), 1),
    "request-property-became-optional": (_nothing, lambda s: _create_schema(s)["required"].remove("kind"), 1),
    "response-success-status-removed": (
        _nothing,
        lambda s: _op(s, "/health", "get")["responses"].pop("200"),
        1,
    ),
    "response-non-success-status-removed": (
        _nothing,
        lambda s: _op(s, "/pets", "get")["responses"].pop("422"),
        1,
    ),
    "response-status-added": (
        _nothing,
        lambda s: _op(s, "/health", "get")["responses"].update({"202": json_body(ref("Error"))}),
        1,
    ),
    "response-non-success-status-added": (
        _nothing,
        lambda s: _op(s, "/health", "get")["responses"].update({"503": json_body(ref("Error"))}),
        1,
    ),
    "response-media-type-removed": (
        lambda s: _op(s, "/health", "get")["responses"]["200"]["content"].update(
            {"text/plain": {"schema": {"type": "string"}}}
        ),
        _nothing,
        1,
    ),
    "response-media-type-added": (
        _nothing,
        lambda s: _op(s, "/health", "get")["responses"]["200"]["content"].update(
            {"text/plain": {"schema": {"type": "string"}}}
        ),
        1,
    ),
    "response-property-removed": (_nothing, lambda s: _schemas(s)["Health"]["properties"].pop("ok"), 1),
    "response-optional-property-removed": (_nothing, lambda s: _pet(s)["properties"].pop("age"), 3),
    "response-property-added": (
        _nothing,
        lambda s: _schemas(s)["Health"]["properties"].update(db={"type": "boolean"}),
        1,
    ),
    "response-property-became-optional": (_nothing, lambda s: _schemas(s)["Health"].pop("required"), 1),
    "response-property-became-required": (_nothing, lambda s: _pet(s)["required"].append("age"), 3),
    "response-header-removed": (_nothing, lambda s: _get_headers(s).pop("ETag"), 1),
    "response-optional-header-removed": (_nothing, lambda s: _get_headers(s).pop("X-Trace"), 1),
    "response-header-added": (
        _nothing,
        lambda s: _get_headers(s).update({"X-Rate": {"schema": {"type": "integer"}}}),
        1,
    ),
    "response-header-became-optional": (_nothing, lambda s: _get_headers(s)["ETag"].pop("required"), 1),
    "api-tag-removed": (_nothing, lambda s: _op(s, "/health", "get").update(tags=[]), 1),
    "api-tag-added": (_nothing, lambda s: _op(s, "/health", "get")["tags"].append("ops"), 1),
    "webhook-removed": (_webhook(), _nothing, 1),
    "webhook-added": (_nothing, _webhook(), 1),
    # lifecycle: deprecation, sunset dates, stability levels
    "api-reactivated": (_health(deprecated=True), _nothing, 1),
    "api-invalid-stability-level": (_nothing, _health(**{"x-stability-level": "ga"}), 1),
    "api-stability-decreased": (_nothing, _health(**{"x-stability-level": "beta"}), 1),
    "api-stability-increased": (_health(**{"x-stability-level": "beta"}), _nothing, 1),
    "api-sunset-deleted": (_health(deprecated=True, **{"x-sunset": FUTURE}), _health(deprecated=True), 1),
    "api-path-sunset-parse": (
        _health(deprecated=True, **{"x-sunset": FUTURE}),
        _health(deprecated=True, **{"x-sunset": "soon"}),
        1,
    ),
    "api-deprecated-sunset-parse": (_nothing, _health(deprecated=True, **{"x-sunset": "soon"}), 1),
    "api-path-removed-with-deprecation": (_health(deprecated=True), lambda s: _paths(s).pop("/health"), 1),
    "api-path-removed-before-sunset": (
        _health(deprecated=True, **{"x-sunset": FUTURE}),
        lambda s: _paths(s).pop("/health"),
        1,
    ),
    "api-path-removed-after-sunset": (
        _health(deprecated=True, **{"x-sunset": PAST}),
        lambda s: _paths(s).pop("/health"),
        1,
    ),
    "api-operation-removed-with-deprecation": (_delete_op(deprecated=True), _drop_delete, 1),
    "api-operation-removed-before-sunset": (
        _delete_op(deprecated=True, **{"x-sunset": FUTURE}),
        _drop_delete,
        1,
    ),
    "api-operation-removed-after-sunset": (
        _delete_op(deprecated=True, **{"x-sunset": PAST}),
        _drop_delete,
        1,
    ),
    "request-parameter-deprecated": (_nothing, _limit(deprecated=True), 1),
    "request-parameter-reactivated": (_limit(deprecated=True), _nothing, 1),
    "request-parameter-removed-with-deprecation": (_limit(deprecated=True), _drop_limit, 1),
    "request-parameter-removed-before-sunset": (
        _limit(deprecated=True, **{"x-sunset": FUTURE}),
        _drop_limit,
        1,
    ),
    "request-parameter-removed-after-sunset": (_limit(deprecated=True, **{"x-sunset": PAST}), _drop_limit, 1),
    "request-parameter-sunset-parse": (_limit(deprecated=True, **{"x-sunset": "2999-13-45"}), _drop_limit, 1),
    "request-parameter-sunset-deleted": (
        _limit(deprecated=True, **{"x-sunset": FUTURE}),
        _limit(deprecated=True),
        1,
    ),
}

# Rules that need a deprecation period: (deprecation days for stable, base change, head change)
TODAY = date(2030, 1, 1)
WITH_PERIOD: dict[str, tuple[Mutation, Mutation]] = {
    "api-deprecated-sunset-missing": (_nothing, _health(deprecated=True)),
    "api-sunset-date-too-small": (_nothing, _health(deprecated=True, **{"x-sunset": "2030-01-10"})),
    "api-sunset-date-changed-too-small": (
        _health(deprecated=True, **{"x-sunset": "2031-01-01"}),
        _health(deprecated=True, **{"x-sunset": "2030-01-10"}),
    ),
    "request-parameter-deprecated-sunset-missing": (_nothing, _limit(deprecated=True)),
    "request-parameter-sunset-date-too-small": (
        _nothing,
        _limit(deprecated=True, **{"x-sunset": "2030-01-10"}),
    ),
    "request-parameter-sunset-date-changed-too-small": (
        _limit(deprecated=True, **{"x-sunset": "2031-01-01"}),
        _limit(deprecated=True, **{"x-sunset": "2030-01-10"}),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(WITH_PERIOD))
def test_a_deprecation_period_requires_a_sunset_far_enough(rule_id):
    base_mutation, head_mutation = WITH_PERIOD[rule_id]
    base, head = clean_spec(), clean_spec()
    base_mutation(base)
    head_mutation(head)
    policy = br.LevelPolicy(deprecation=br.Deprecation(beta_days=10, stable_days=30, today=TODAY))
    assert [c.rule for c in diff.compare(base, head, policy=policy).changes] == [rule_id]
    without = br.LevelPolicy(deprecation=br.Deprecation(today=TODAY))  # no period: any sunset will do
    assert rule_id not in {c.rule for c in diff.compare(base, head, policy=without).changes}


def _changes(base_mutation: Mutation, head_mutation: Mutation) -> list[diff.Change]:
    base, head = clean_spec(), clean_spec()
    base_mutation(base)
    head_mutation(head)
    return diff.compare(base, head).changes


@pytest.mark.parametrize("rule_id", sorted(FIXED))
def test_the_pair_is_reported_by_its_rule_only(rule_id):
    base_mutation, head_mutation, count = FIXED[rule_id]
    changes = _changes(base_mutation, head_mutation)
    assert [c.rule for c in changes] == [rule_id] * count
    assert {c.level for c in changes} == {br.RULES[rule_id].level}
    assert all(c.pointer.startswith("/") and c.message for c in changes)


def test_identical_specs_have_no_changes():
    assert _changes(_nothing, _nothing) == []


def test_a_renamed_component_is_a_removal_and_an_addition():
    changes = _changes(_nothing, _rename_kind)
    assert sorted((c.rule, c.pointer) for c in changes) == [
        ("api-schema-added", "/components/schemas/Species"),
        ("api-schema-removed", "/components/schemas/Kind"),
    ]


def test_a_change_in_a_shared_component_is_reported_once_at_every_operation_using_it():
    changes = _changes(_nothing, lambda s: _schemas(s)["Kind"]["enum"].append("bird"))
    by_rule = {}
    for change in changes:
        by_rule.setdefault(change.rule, []).append(change.operation)
    # Kind is returned by three operations (in an array for one) and sent to one.
    assert sorted(by_rule["response-property-enum-value-added"]) == [
        "GET /pets",
        "GET /pets/{pet_id}",
        "POST /pets",
    ]
    assert by_rule["request-property-enum-value-added"] == ["POST /pets"]
    assert br.RULES["response-property-enum-value-added"].level == br.BREAKING
    assert br.RULES["request-property-enum-value-added"].level == br.INFO
    assert {c.pointer for c in changes} == {"/components/schemas/Kind"}
    list_pets = next(c for c in changes if c.operation == "GET /pets")
    assert (
        list_pets.via
        == "/paths/~1pets/get/responses/200/content/application~1json/schema/items/properties/kind"
    )


def test_a_removed_required_response_property_points_at_the_base_and_the_operation():
    changes = _changes(
        _nothing, lambda s: (_pet(s)["properties"].pop("name"), _pet(s)["required"].remove("name"))
    )
    assert {(c.rule, c.pointer) for c in changes} == {
        ("response-property-removed", "/components/schemas/Pet/properties/name")
    }
    assert sorted(c.operation_id for c in changes) == ["createPet", "getPet", "listPets"]


def test_read_only_properties_are_not_part_of_the_request():
    changes = _changes(
        _nothing,
        lambda s: (
            _create_schema(s)["properties"].update(id={"type": "integer", "readOnly": True}),
            _create_schema(s)["required"].append("id"),
        ),
    )
    assert changes == []


def test_a_recursive_schema_is_compared_without_looping():
    def tree(spec: Spec, child_type: str) -> None:
        _schemas(spec)["Health"]["properties"]["children"] = {"type": "array", "items": ref("Health")}
        _schemas(spec)["Health"]["properties"]["ok"]["type"] = child_type

    changes = _changes(lambda s: tree(s, "boolean"), lambda s: tree(s, "string"))
    assert [(c.rule, c.pointer) for c in changes] == [
        ("response-property-type-changed", "/components/schemas/Health/properties/ok")
    ]


def test_a_nullable_ref_written_as_any_of_is_compared_through_it():
    def nullable_kind(spec: Spec) -> None:
        _pet(spec)["properties"]["kind"] = {"anyOf": [ref("Kind"), {"type": "null"}]}

    changes = _changes(_nothing, nullable_kind)
    assert {c.rule for c in changes} == {"response-property-became-nullable"}  # Pet is only returned
    assert len(changes) == 3


# -- schema checks, at every place a schema can sit ---------------------------------------------------------

S = {"type": "string", "maxLength": 20}
OBJ = {"type": "object"}
ARR = {"type": "array", "items": S}


def _bounded(keyword: str, value: float | None) -> dict[str, Any]:
    kind = {"Length": "string", "Items": "array", "Contains": "array", "Properties": "object"}
    schema_type = next((t for suffix, t in kind.items() if keyword.endswith(suffix)), "number")
    schema: dict[str, Any] = {"type": schema_type}
    if schema_type == "array":
        schema["items"] = {"type": "string", "maxLength": 20}
    if value is not None:
        schema[keyword] = value
    return schema


# check -> (base schema, head schema); bounds are added below for every keyword and direction.
SCHEMA_PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "type-changed": ({"type": "string"}, {"type": "boolean"}),
    "type-generalized": ({"type": "integer"}, {"type": "number"}),
    "type-narrowed": ({"type": "number"}, {"type": "integer"}),
    "format-changed": ({**S, "format": "date"}, {**S, "format": "date-time"}),
    "format-added": (S, {**S, "format": "date-time"}),
    "format-removed": ({**S, "format": "date-time"}, S),
    "became-nullable": (S, {**S, "type": ["string", "null"]}),
    "became-not-nullable": ({**S, "type": ["string", "null"]}, S),
    "enum-value-added": ({**S, "enum": ["a"]}, {**S, "enum": ["a", "b"]}),
    "enum-value-removed": ({**S, "enum": ["a", "b"]}, {**S, "enum": ["a"]}),
    "enum-set": (S, {**S, "enum": ["a"]}),
    "enum-unset": ({**S, "enum": ["a"]}, S),
    "pattern-added": (S, {**S, "pattern": "^a"}),
    "pattern-changed": ({**S, "pattern": "^a"}, {**S, "pattern": "^b"}),
    "pattern-removed": ({**S, "pattern": "^a"}, S),
    "unique-items-set": (_bounded("maxItems", 3), {**_bounded("maxItems", 3), "uniqueItems": True}),
    "unique-items-unset": ({**_bounded("maxItems", 3), "uniqueItems": True}, _bounded("maxItems", 3)),
    "any-of-added": (
        {"anyOf": [S, {"type": "boolean"}]},
        {"anyOf": [S, {"type": "boolean"}, {"type": "integer"}]},
    ),
    "any-of-removed": (
        {"anyOf": [S, {"type": "boolean"}, {"type": "integer"}]},
        {"anyOf": [S, {"type": "boolean"}]},
    ),
    "one-of-added": (
        {"oneOf": [S, {"type": "boolean"}]},
        {"oneOf": [S, {"type": "boolean"}, {"type": "integer"}]},
    ),
    "one-of-removed": (
        {"oneOf": [S, {"type": "boolean"}, {"type": "integer"}]},
        {"oneOf": [S, {"type": "boolean"}]},
    ),
    # a branch that changes nothing once merged: only the branch itself is reported
    "all-of-added": ({"allOf": [S]}, {"allOf": [S, {"type": "string"}]}),
    "all-of-removed": ({"allOf": [S, {"type": "string"}]}, {"allOf": [S]}),
    "all-of-added-annotation-only": ({"allOf": [S]}, {"allOf": [S, {"description": "a name"}]}),
    "all-of-removed-annotation-only": ({"allOf": [S, {"description": "a name"}]}, {"allOf": [S]}),
    "wrapped-in-one-of": ({"type": "string"}, {"oneOf": [S, {"type": "integer"}]}),
    "const-changed": ({**S, "const": "a"}, {**S, "const": "b"}),
    "type-compatible": ({"type": "string"}, {"type": ["object", "string"]}),
    "discriminator-added": (OBJ, {**OBJ, "discriminator": {"propertyName": "kind"}}),
    "discriminator-removed": ({**OBJ, "discriminator": {"propertyName": "kind"}}, OBJ),
    "discriminator-property-name-changed": (
        {**OBJ, "discriminator": {"propertyName": "kind"}},
        {**OBJ, "discriminator": {"propertyName": "type"}},
    ),
    "discriminator-mapping-added": (
        {**OBJ, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat"}}},
        {**OBJ, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat", "dog": "#/c/Dog"}}},
    ),
    "discriminator-mapping-deleted": (
        {**OBJ, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat", "dog": "#/c/Dog"}}},
        {**OBJ, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat"}}},
    ),
    "discriminator-mapping-changed": (
        {**OBJ, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Cat"}}},
        {**OBJ, "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c/Lion"}}},
    ),
    "x-extensible-enum-value-removed": (
        {**S, "x-extensible-enum": ["a", "b"]},
        {**S, "x-extensible-enum": ["a"]},
    ),
    "deprecated": (S, {**S, "deprecated": True}),
    "deprecated-sunset-invalid": (S, {**S, "deprecated": True, "x-sunset": "soon"}),
    "reactivated": ({**S, "deprecated": True}, S),
    "stability-decreased": ({**S, "x-stability-level": "stable"}, {**S, "x-stability-level": "beta"}),
    "stability-increased": ({**S, "x-stability-level": "alpha"}, {**S, "x-stability-level": "beta"}),
    "default-changed": ({**S, "default": "a"}, {**S, "default": "b"}),
    "default-added": (S, {**S, "default": "a"}),
    "default-removed": ({**S, "default": "a"}, S),
    # JSON Schema 2020-12 keywords: a subschema that appears, goes, or changes inside
    "not-changed": ({**S, "not": {"enum": ["a"]}}, {**S, "not": {"enum": ["b"]}}),
    "pattern-property-added": (OBJ, {**OBJ, "patternProperties": {"^x-": S}}),
    "pattern-property-removed": ({**OBJ, "patternProperties": {"^x-": S}}, OBJ),
    "dependent-schema-added": (OBJ, {**OBJ, "dependentSchemas": {"a": {"required": ["b"]}}}),
    "dependent-schema-removed": ({**OBJ, "dependentSchemas": {"a": {"required": ["b"]}}}, OBJ),
    "dependent-required-added": (OBJ, {**OBJ, "dependentRequired": {"a": ["b"]}}),
    "dependent-required-removed": ({**OBJ, "dependentRequired": {"a": ["b"]}}, OBJ),
    "dependent-required-changed": (
        {**OBJ, "dependentRequired": {"a": ["b"]}},
        {**OBJ, "dependentRequired": {"a": ["b", "c"]}},
    ),
    "prefix-items-added": (ARR, {**ARR, "prefixItems": [{"type": "integer"}]}),
    "prefix-items-removed": ({**ARR, "prefixItems": [{"type": "integer"}]}, ARR),
    "content-media-type-changed": (
        {**S, "contentMediaType": "application/json"},
        {**S, "contentMediaType": "text/plain"},
    ),
    "content-encoding-changed": ({**S, "contentEncoding": "base64"}, {**S, "contentEncoding": "base32"}),
}
for _keyword, (_word, _, _) in sk.SUBSCHEMAS.items():
    _sub = {"type": "string", "maxLength": 3} if _keyword in ("propertyNames", "contentSchema") else S
    SCHEMA_PAIRS[f"{_word}-added"] = ({"type": "object"}, {"type": "object", _keyword: _sub})
    SCHEMA_PAIRS[f"{_word}-removed"] = ({"type": "object", _keyword: _sub}, {"type": "object"})
for _keyword in (*sv.UPPER_BOUNDS, *sv.LOWER_BOUNDS):
    for _old, _new in ((None, 1), (1, None), (2, 1), (1, 2)):
        _check, _ = sv.bound_check(_keyword, _old, _new)
        SCHEMA_PAIRS[_check] = (_bounded(_keyword, _old), _bounded(_keyword, _new))


def _scaffold(subject: str, schema: dict[str, Any], media: str = "application/json") -> Spec:
    """One operation with `schema` placed at `subject`, everything else fixed."""
    body: dict[str, Any] = {"type": "object", "properties": {"fixed": {"type": "boolean"}}}
    response: dict[str, Any] = {"type": "object", "properties": {"fixed": {"type": "boolean"}}}
    params: list[dict[str, Any]] = []
    headers: dict[str, Any] = {}
    if subject == "request-body":
        body = schema
    elif subject == "request-parameter":
        params.append({"name": "p", "in": "query", "schema": schema})
    elif subject == "request-property":
        body["properties"]["v"] = schema
    elif subject == "response-body":
        response = schema
    elif subject == "response-header":
        headers["X-V"] = {"schema": schema}
    else:
        response["properties"]["v"] = schema
        response["required"] = ["v"]
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "make",
                    "parameters": params,
                    "requestBody": {"content": {media: {"schema": body}}},
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {media: {"schema": response}},
                            "headers": headers,
                        }
                    },
                }
            }
        },
    }


PERIOD_CHECKS = ("deprecated-sunset-missing", "sunset-date-too-small")  # need a deprecation period: below
SCHEMA_CASES = [
    (subject, check)
    for check, sc in br.SCHEMA_CHECKS.items()
    if check not in PERIOD_CHECKS
    for subject in sc.rules
]
MEDIA = {"type-compatible": "application/xml"}  # checks about a body that is not JSON


@pytest.mark.parametrize(("subject", "check"), SCHEMA_CASES)
def test_a_schema_change_is_classified_by_where_the_schema_sits(subject, check):
    old, new = SCHEMA_PAIRS[check]
    media = MEDIA.get(check, "application/json")
    changes = diff.compare(
        _scaffold(subject, copy.deepcopy(old), media), _scaffold(subject, copy.deepcopy(new), media)
    ).changes
    rule_id = f"{subject}-{check}"
    assert [c.rule for c in changes] == [rule_id], [c.as_dict() for c in changes]
    assert changes[0].level == br.RULES[rule_id].level
    assert changes[0].operation == "POST /things"


def test_every_rule_of_the_catalogue_has_a_test_pair():
    covered = set(FIXED) | set(WITH_PERIOD) | {f"{subject}-{check}" for subject, check in SCHEMA_CASES}
    covered |= {f"{s}-{c}" for s in ("request-property", "response-property") for c in PERIOD_CHECKS}
    covered |= {"api-schema-removed"}
    assert covered == set(br.RULES)


def test_the_issue_examples_have_the_expected_levels():
    levels = {rule_id: rule.level for rule_id, rule in br.RULES.items()}
    assert levels["response-property-enum-value-added"] == br.BREAKING
    assert levels["request-property-enum-value-added"] == br.INFO
    assert levels["request-property-enum-value-removed"] == br.BREAKING
    assert levels["request-property-max-length-decreased"] == br.BREAKING
    assert levels["request-parameter-min-increased"] == br.BREAKING
    assert levels["request-property-pattern-added"] == br.BREAKING
    assert levels["request-property-max-items-decreased"] == br.BREAKING
    assert levels["response-property-became-nullable"] == br.BREAKING
    assert levels["response-body-type-changed"] == br.BREAKING
    assert levels["request-property-removed"] == br.WARNING


def test_a_property_that_turns_write_only_leaves_the_response():
    changes = _changes(_nothing, lambda s: _schemas(s)["Health"]["properties"]["ok"].update(writeOnly=True))
    assert [(c.rule, c.operation) for c in changes] == [("response-property-removed", "GET /health")]


def test_a_property_that_turns_read_only_leaves_the_request():
    changes = _changes(_nothing, lambda s: _create_schema(s)["properties"]["age"].update(readOnly=True))
    assert [(c.rule, c.operation) for c in changes] == [("request-property-removed-rejected", "POST /pets")]


def test_a_malformed_document_is_compared_and_linted_without_crashing():
    from openapi import lint

    broken = clean_spec()
    broken["security"] = "bearer"
    _pet(broken)["required"] = [{"name": 1}]
    _schemas(broken)["Kind"]["enum"] = "cat"
    _schemas(broken)["Health"]["type"] = 7
    _op(broken, "/pets", "get")["responses"] = ["200"]
    for base, head in ((clean_spec(), broken), (broken, clean_spec()), (broken, broken)):
        assert isinstance(diff.compare(base, head).changes, list)
    assert isinstance(lint.lint(broken), list)
    assert lint.lint({"openapi": "3.1.0", "components": "none", "paths": {"/x": "y"}}) == []


def test_values_inside_a_parameter_keep_the_parameter_subject():
    def tags_param(max_length: int) -> Mutation:
        def mutate(spec: Spec) -> None:
            _op(spec, "/pets", "get")["parameters"].append(
                {
                    "name": "tag",
                    "in": "query",
                    "schema": {
                        "type": "array",
                        "maxItems": 3,
                        "items": {"type": "string", "maxLength": max_length},
                    },
                }
            )

        return mutate

    changes = _changes(tags_param(10), tags_param(5))
    assert [(c.rule, c.level) for c in changes] == [("request-parameter-max-length-decreased", br.BREAKING)]
    assert changes[0].message.startswith("request parameter `tag[]`")


@pytest.mark.parametrize("keyword", ["then", "else", "contains", "dependentSchemas"])
def test_the_walk_descends_into_json_schema_subschemas(keyword):
    def schema(max_length: int) -> dict[str, Any]:
        inner = {"type": "object", "properties": {"code": {"type": "string", "maxLength": max_length}}}
        if keyword == "dependentSchemas":
            return {"type": "object", "dependentSchemas": {"code": inner}}
        return {"type": "object", "if": {"required": ["kind"]}, keyword: inner}

    changes = diff.compare(
        _scaffold("request-body", schema(10)), _scaffold("request-body", schema(5))
    ).changes
    assert [c.rule for c in changes] == ["request-property-max-length-decreased"]


@pytest.mark.parametrize(
    ("media", "rule"),
    [("application/xml", "request-body-type-compatible"), ("application/json", "request-body-type-changed")],
)
def test_a_body_that_is_text_on_the_wire_reads_any_value_as_a_string(media, rule):
    old = _scaffold("request-body", {"type": "object"}, media)
    new = _scaffold("request-body", {"type": "string"}, media)
    assert [c.rule for c in diff.compare(old, new).changes] == [rule]


def test_a_webhook_is_checked_like_an_operation():
    changes = _changes(_webhook(required=False), _webhook(required=True))
    assert [(c.rule, c.operation) for c in changes] == [
        ("request-body-became-required", "webhook petBorn POST")
    ]


def test_a_renamed_response_media_type_still_compares_its_schema():
    def renamed(spec: Spec) -> None:
        _health_media("application/vnd.pets+json")(spec)
        _schemas(spec)["Health"]["properties"]["ok"]["type"] = "string"

    changes = _changes(_health_media("application/vnd.health+json"), renamed)
    assert sorted(c.rule for c in changes) == [
        "response-media-type-name-generalized",
        "response-property-type-changed",
    ]


@pytest.mark.parametrize("subject", ["request-property", "response-property"])
@pytest.mark.parametrize("check", PERIOD_CHECKS)
def test_a_deprecated_property_needs_a_sunset_far_enough(subject, check):
    sunset = {"sunset-date-too-small": {"x-sunset": "2030-01-10"}}.get(check, {})
    old, new = _scaffold(subject, S), _scaffold(subject, {**S, "deprecated": True, **sunset})
    policy = br.LevelPolicy(deprecation=br.Deprecation(stable_days=30, today=TODAY))
    assert [c.rule for c in diff.compare(old, new, policy=policy).changes] == [f"{subject}-{check}"]
