"""Todo schemas: one per shape a client sends or receives, each a named component."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from app.models import DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX
from app.schemas.enums import NamedEnum, Priority, TodoSort
from app.schemas.fields import (
    QueryBoolean,
    QueryInteger,
    Rfc3339DateTime,
    StrictBoolean,
    StrictInteger,
    StrictString,
)
from app.schemas.validators import UniqueItems

PER_PAGE_MAX = 100
PAGE_MAX = 10_000


def _title(**kwargs: object) -> StrictString:
    return StrictString(validate=validate.Length(1, TITLE_MAX), metadata={"example": "Buy milk"}, **kwargs)


def _description(**kwargs: object) -> StrictString:
    return StrictString(allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX), **kwargs)


def _tags(**kwargs: object) -> fields.List:
    return fields.List(
        StrictString(validate=validate.Length(1, TAG_MAX)),
        validate=[validate.Length(max=TAGS_MAX), UniqueItems()],
        metadata={"description": "Distinct labels, in the order given.", "example": ["home"]},
        **kwargs,
    )


def _due_at(**kwargs: object) -> Rfc3339DateTime:
    return Rfc3339DateTime(
        allow_none=True,
        metadata={"description": "Kept with the offset it was sent with.", "example": "2026-12-01T09:00:00Z"},
        **kwargs,
    )


class _Closed(Schema):
    class Meta:
        unknown = RAISE


class TodoCreateSchema(_Closed):
    """A new todo; only the title is required."""

    title = _title(required=True)
    description = _description(load_default=None)
    done = StrictBoolean(load_default=False)
    priority = NamedEnum(Priority, load_default=Priority.NORMAL)
    due_at = _due_at(load_default=None)
    tags = _tags(load_default=list)


class TodoReplaceSchema(_Closed):
    """A full replacement (PUT): every writable field is required."""

    title = _title(required=True)
    description = _description(required=True)
    done = StrictBoolean(required=True)
    priority = NamedEnum(Priority, required=True)
    due_at = _due_at(required=True)
    tags = _tags(required=True)


class TodoSchema(TodoReplaceSchema):
    """A todo as the API returns it: every field is always present."""

    id = StrictInteger(dump_only=True, required=True, metadata={"example": 1})
    created_at = Rfc3339DateTime(dump_only=True, required=True)
    updated_at = Rfc3339DateTime(dump_only=True, required=True)

    class Meta:
        unknown = RAISE


class TodoPatchSchema(_Closed):
    """A partial update (PATCH): only the fields sent change."""

    title = _title()
    description = _description()
    done = StrictBoolean()
    priority = NamedEnum(Priority)
    due_at = _due_at()
    tags = _tags()


class TodoListQuerySchema(Schema):
    page = QueryInteger(
        load_default=1, validate=validate.Range(1, PAGE_MAX), metadata={"description": "1-based"}
    )
    per_page = QueryInteger(load_default=20, validate=validate.Range(1, PER_PAGE_MAX))
    done = QueryBoolean(metadata={"description": "Only done (`true`) or open (`false`) todos."})
    priority = NamedEnum(Priority)
    tag = StrictString(validate=validate.Length(1, TAG_MAX), metadata={"description": "Todos with this tag."})
    q = StrictString(
        validate=validate.Length(1, TITLE_MAX),
        metadata={"description": "Case-insensitive text search in title and description."},
    )
    sort = NamedEnum(TodoSort, load_default=TodoSort.CREATED_AT_DESC)


class PreconditionHeadersSchema(Schema):
    if_match = StrictString(
        data_key="If-Match",
        validate_nul=False,
        validate=validate.Length(max=1024),
        metadata={
            "description": (
                "Apply the change only if the todo's current `ETag` is listed (or `*`); "
                "otherwise 412. A value that lists no matching entity tag is a failed precondition."
            ),
            "example": '"3f2a9c0d"',
        },
    )
