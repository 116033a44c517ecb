"""Named enumerations: each becomes one component in the document, so generated clients get one type."""

from __future__ import annotations

import enum
from typing import Any

from marshmallow import fields


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class TodoSort(enum.StrEnum):
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    DUE_AT = "due_at"
    DUE_AT_DESC = "-due_at"
    PRIORITY = "priority"
    PRIORITY_DESC = "-priority"
    TITLE = "title"
    TITLE_DESC = "-title"


class NamedEnum(fields.Enum):
    """An enum field documented as a `$ref` to a component named after the Python enum."""

    def __init__(self, enum_type: type[enum.Enum], **kwargs: Any) -> None:
        super().__init__(enum_type, by_value=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, enum.Enum):  # columns hold the plain value
            value = self.enum(value)
        return super()._serialize(value, attr, obj, **kwargs)


def named_enum_attribute(
    self: Any, field: fields.Field, ret: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """apispec attribute function: replace an inline enum by a `$ref` and register the component once."""
    if not isinstance(field, NamedEnum):
        return {}
    name = field.enum.__name__
    schemas = self.spec.components.schemas
    if name not in schemas:
        doc = (field.enum.__doc__ or "").strip()
        component: dict[str, Any] = {"type": "string", "enum": [member.value for member in field.enum]}
        if doc and not doc.startswith("An enumeration") and "Create a collection" not in doc:
            component["description"] = doc
        self.spec.components.schema(name, component)
    ref = {"$ref": f"#/components/schemas/{name}"}
    nullable = "null" in (ret.get("type") or []) if isinstance(ret.get("type"), list) else False
    for key in ("type", "enum"):
        ret.pop(key, None)
    if nullable:
        return {"anyOf": [ref, {"type": "null"}]}
    return ref
