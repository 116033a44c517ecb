"""Strict field types: the app accepts exactly the values its OpenAPI document allows, nothing more."""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Mapping

from marshmallow import fields, validate

# JSON Schema `pattern` text that PostgreSQL needs (it cannot store NUL) and that any client can read.
NO_NUL_PATTERN = r"^[^\u0000]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")

# RFC 3339 section 5.6 `date-time`, the grammar OpenAPI's `format: date-time` names.
_RFC3339 = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d+)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})$"
)
_QUERY_INTEGER = re.compile(r"^-?[0-9]{1,20}$")


class StrictString(fields.String):
    """A string that PostgreSQL and UTF-8 can store: no NUL (documented as a pattern), no lone surrogates."""

    default_error_messages: typing.ClassVar[dict[str, str]] = {
        "surrogate": "Must be valid Unicode text (lone surrogates are not allowed).",
    }

    def __init__(self, *, validate_nul: bool = True, **kwargs: typing.Any) -> None:
        validators = list(_as_list(kwargs.pop("validate", None)))
        if validate_nul:
            validators.append(validate.Regexp(NO_NUL_PATTERN, error="Must not contain NUL characters."))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(
        self, value: typing.Any, attr: str | None, data: Mapping[str, typing.Any] | None, **kwargs: typing.Any
    ) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if _SURROGATE.search(value):
            raise self.make_error("surrogate")
        return value


class StrictInteger(fields.Integer):
    """A JSON integer only: rejects `1.0`, `"1"` and booleans, which marshmallow's Integer lets through."""

    def __init__(self, **kwargs: typing.Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(
        self, value: typing.Any, attr: str | None, data: Mapping[str, typing.Any] | None, **kwargs: typing.Any
    ) -> int:
        if type(value) is not int:
            raise self.make_error("invalid")
        return value


class StrictBoolean(fields.Boolean):
    """A JSON boolean only: `0`, `1`, `"true"` and `"yes"` are rejected (and `0 == False` cannot sneak in)."""

    def _deserialize(
        self, value: typing.Any, attr: str | None, data: Mapping[str, typing.Any] | None, **kwargs: typing.Any
    ) -> bool:
        if type(value) is not bool:
            raise self.make_error("invalid")
        return value


class QueryInteger(fields.Integer):
    """An integer as it travels in a query string: decimal digits only, so `1.0` and `1e3` are rejected."""

    def _deserialize(
        self, value: typing.Any, attr: str | None, data: Mapping[str, typing.Any] | None, **kwargs: typing.Any
    ) -> int:
        if not isinstance(value, str) or not _QUERY_INTEGER.match(value):
            raise self.make_error("invalid")
        return int(value)


class QueryBoolean(fields.Boolean):
    """A boolean as OpenAPI serializes it in a query string: exactly `true` or `false`."""

    def _deserialize(
        self, value: typing.Any, attr: str | None, data: Mapping[str, typing.Any] | None, **kwargs: typing.Any
    ) -> bool:
        if value == "true":
            return True
        if value == "false":
            return False
        raise self.make_error("invalid")


class Rfc3339DateTime(fields.DateTime):
    """An RFC 3339 `date-time` with an offset; any offset and year the grammar allows is kept as sent."""

    default_error_messages: typing.ClassVar[dict[str, str]] = {
        "invalid": "Not a valid RFC 3339 date-time (e.g. 2026-11-24T17:09:52Z).",
        "too_long": "Longer than {max_length} characters.",
    }
    # With nanoseconds and an offset a date-time is 35 characters; the grammar alone allows any length.
    MAX_LENGTH = 64

    def __init__(self, **kwargs: typing.Any) -> None:
        metadata = {"maxLength": self.MAX_LENGTH, **(kwargs.pop("metadata", None) or {})}
        super().__init__(format="iso", metadata=metadata, **kwargs)

    def _deserialize(
        self, value: typing.Any, attr: str | None, data: Mapping[str, typing.Any] | None, **kwargs: typing.Any
    ) -> dt.datetime:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if len(value) > self.MAX_LENGTH:
            raise self.make_error("too_long", max_length=self.MAX_LENGTH)
        match = _RFC3339.match(value)
        if not match:
            raise self.make_error("invalid")
        frac = (match["frac"] or "")[:7]  # fromisoformat keeps microseconds; more digits are truncated
        offset = match["offset"].upper().replace("Z", "+00:00")
        try:
            return dt.datetime.fromisoformat(f"{match['date']}T{match['time']}{frac}{offset}")
        except ValueError as exc:  # e.g. February 30th, hour 24, offset beyond a day
            raise self.make_error("invalid") from exc

    def _serialize(
        self, value: typing.Any, attr: str | None, obj: typing.Any, **kwargs: typing.Any
    ) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):  # stored as RFC 3339 text to keep the client's offset
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:  # storage without time zones hands back UTC wall time
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat().replace("+00:00", "Z")


def _as_list(value: typing.Any) -> list[typing.Any]:
    if value is None:
        return []
    if callable(value):
        return [value]
    return list(value)
