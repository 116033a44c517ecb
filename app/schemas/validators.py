"""Validators that the OpenAPI converter is taught to document (see app.api)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from marshmallow.validate import Validator


class UniqueItems(Validator):
    """A list without repeated items, documented as `uniqueItems: true`."""

    error = "Items must be unique; repeated: {repeated}."

    def __call__(self, value: Any) -> Any:
        seen: list[Any] = []
        repeated: list[Any] = []
        for item in value:
            if item in seen and item not in repeated:
                repeated.append(item)
            seen.append(item)
        if repeated:
            raise ValidationError(self.error.format(repeated=", ".join(map(str, repeated))))
        return value
