"""Validators that the OpenAPI converter is taught to document (see app.api)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from marshmallow.validate import Regexp, Validator


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


class FullMatch(Regexp):
    """A pattern the whole value must match, as JSON Schema's anchored `^...$` means.

    marshmallow's Regexp uses `re.match`, where `$` also matches before a final newline, so `"ada\\n"` would
    pass `^[a-z]+$`; apispec documents this validator's pattern like any Regexp.
    """

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value
