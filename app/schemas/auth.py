"""Account schemas: registration, login, the token handed out, and the user as others see it."""

from __future__ import annotations

from marshmallow import RAISE, Schema, validate

from app.models import USERNAME_MAX
from app.schemas.fields import Rfc3339DateTime, StrictInteger, StrictString
from app.schemas.validators import FullMatch

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
PASSWORD_MIN, PASSWORD_MAX = 8, 128


class _Closed(Schema):
    class Meta:
        unknown = RAISE


def _username() -> StrictString:
    return StrictString(
        required=True,
        validate_nul=False,
        validate=[validate.Length(3, USERNAME_MAX), FullMatch(USERNAME_PATTERN)],
        metadata={
            "description": (
                "ASCII letters, digits, `_`, `.` and `-`, nothing else (no trailing newline). Case does not "
                "tell accounts apart: `Ada` and `ada` are one account, which signs in with either spelling "
                "and keeps the spelling it registered with."
            ),
            "example": "ada",
        },
    )


def _password() -> StrictString:
    return StrictString(
        required=True,
        load_only=True,
        validate=validate.Length(PASSWORD_MIN, PASSWORD_MAX),
        metadata={"example": "correct horse battery"},
    )


class RegistrationSchema(_Closed):
    """A new account (a separate component from Credentials, so that either can grow on its own)."""

    username = _username()
    password = _password()


class CredentialsSchema(_Closed):
    username = _username()
    password = _password()


class UserSchema(_Closed):
    id = StrictInteger(dump_only=True, required=True, metadata={"example": 1})
    username = StrictString(dump_only=True, required=True, metadata={"example": "ada"})
    created_at = Rfc3339DateTime(dump_only=True, required=True)


class TokenSchema(_Closed):
    access_token = StrictString(
        dump_only=True,
        required=True,
        metadata={"description": "Send as `Authorization: Bearer <access_token>`."},
    )
    token_type = StrictString(
        dump_only=True, required=True, validate=validate.OneOf(["Bearer"]), metadata={"example": "Bearer"}
    )
    expires_in = StrictInteger(
        dump_only=True,
        required=True,
        metadata={"description": "Seconds until the token expires.", "example": 3600},
    )
    expires_at = Rfc3339DateTime(dump_only=True, required=True)
