"""Accounts and bearer tokens: slow password hashes, random tokens kept only as HMACs, expiry, revocation."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import AccessToken, User, utcnow

TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 256


class UsernameTaken(Exception):
    """The username belongs to another account."""


@dataclass(slots=True, frozen=True)
class IssuedToken:
    value: str
    expires_at: dt.datetime
    expires_in: int


def password_hasher() -> PasswordHasher:
    """Argon2id with the app's cost settings (tests turn them down; production keeps the defaults)."""
    key = "todo-password-hasher"
    hasher = current_app.extensions.get(key)
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
            memory_cost=current_app.config["PASSWORD_HASH_MEMORY_COST"],
        )
        current_app.extensions[key] = hasher
    return hasher


def find_user(session: Session, username: str) -> User | None:
    """The account with this name in any case (`Ada` is `ada`), as the unique index on lower() defines it."""
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def create_user(session: Session, username: str, password: str) -> User:
    """Add a user; a taken username (also one taken concurrently) raises UsernameTaken."""
    if find_user(session, username) is not None:
        raise UsernameTaken(username)
    user = User(username=username, password_hash=password_hasher().hash(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise UsernameTaken(username) from exc
    return user


def authenticate_password(session: Session, username: str, password: str) -> User | None:
    """The user for these credentials, or None; unknown users cost a hash too, so timing tells nothing."""
    hasher = password_hasher()
    user = find_user(session, username)
    if user is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(hasher), password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def issue_token(session: Session, user: User) -> IssuedToken:
    ttl = int(current_app.config["TOKEN_TTL_SECONDS"])
    value = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = utcnow().replace(microsecond=0) + dt.timedelta(seconds=ttl)
    session.add(AccessToken(user_id=user.id, token_hash=token_digest(value), expires_at=expires_at))
    return IssuedToken(value=value, expires_at=expires_at, expires_in=ttl)


def find_token(session: Session, value: str) -> AccessToken | None:
    if not value or len(value) > TOKEN_MAX_LENGTH:
        return None
    return session.scalar(select(AccessToken).where(AccessToken.token_hash == token_digest(value)))


def token_digest(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = "todo-dummy-hash"
    cached = current_app.extensions.get(key)
    if cached is None:
        cached = current_app.extensions[key] = hasher.hash(secrets.token_urlsafe(16))
    return cached
