"""The bearer-token guard: who is calling, or a 401 with an RFC 6750 challenge."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_smorest import abort

from app.auth.service import find_token
from app.database import get_session
from app.errors import AUTH_CHALLENGE
from app.models import AccessToken, User, utcnow
from app.throttle import API_PER_TOKEN, current_throttle

SECURITY = [{"bearerAuth": []}]
PUBLIC: list[dict[str, list[str]]] = []


def current_user() -> User:
    return g.current_token.user


def current_token() -> AccessToken:
    return g.current_token


def _reject(message: str, *, invalid_token: bool) -> None:
    challenge = AUTH_CHALLENGE
    if invalid_token:
        challenge += f', error="invalid_token", error_description="{message}"'
    abort(401, message=message, headers={"WWW-Authenticate": challenge})


def _authenticate() -> AccessToken:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        _reject("Authentication required: send Authorization: Bearer <token>.", invalid_token=False)
    if scheme.lower() != "bearer" or not value.strip():
        _reject("Malformed Authorization header; expected Bearer <token>.", invalid_token=True)
    token = find_token(get_session(), value.strip())
    if token is None:
        _reject("The access token is invalid.", invalid_token=True)
    if token.revoked_at is not None:
        _reject("The access token was revoked.", invalid_token=True)
    if token.expires_at <= utcnow():
        _reject("The access token expired.", invalid_token=True)
    return token


def login_required(blp: Any) -> Callable[[Callable], Callable]:
    """Authenticate and count the request against its token's limit before anything else runs.

    Documents the security requirement, its 401, the per-token 429 and the 503 of a database that cannot
    look the token up.
    """

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.current_token = _authenticate()
            current_throttle().hit(API_PER_TOKEN, str(g.current_token.id))
            return func(*args, **kwargs)

        return blp.errors(401, 429, 503)(blp.doc(security=SECURITY)(wrapper))

    return decorator
