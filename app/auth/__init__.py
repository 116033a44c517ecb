"""Accounts under /api/auth: register, log in for a bearer token, log out, and who am I."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import abort

from app.api import Blueprint
from app.auth.guard import PUBLIC, current_token, current_user, login_required
from app.auth.service import UsernameTaken, authenticate_password, create_user, issue_token
from app.database import get_session
from app.models import User, utcnow
from app.schemas.auth import CredentialsSchema, RegistrationSchema, TokenSchema, UserSchema
from app.throttle import (
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_ADDRESS,
    REGISTER_PER_ADDRESS,
    account_key,
    client_address,
    current_throttle,
)

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts and bearer tokens.")

LOCATION = {
    "Location": {
        "description": "Where the created resource can be read.",
        "schema": {"type": "string", "format": "uri-reference"},
        "required": True,
    }
}


@blp.route("/register")
class Register(MethodView):
    @blp.doc(operationId="register", security=PUBLIC, summary="Create an account")
    @blp.arguments(RegistrationSchema, example={"username": "ada", "password": "correct horse battery"})
    @blp.response(201, UserSchema, headers=LOCATION, description="The account was created.")
    @blp.errors(409, 429, 503)
    def post(self, data: dict[str, Any]) -> tuple[User, int, dict[str, str]]:
        """Usernames are unique; passwords are stored as Argon2id hashes. Throttled per client address."""
        current_throttle().hit(REGISTER_PER_ADDRESS, client_address())
        session = get_session()
        try:
            user = create_user(session, data["username"], data["password"])
            session.commit()
        except UsernameTaken:
            abort(409, message=f"The username {data['username']!r} is taken; choose another.")
        return user, 201, {"Location": url_for("auth.Me")}


@blp.route("/login")
class Login(MethodView):
    @blp.doc(operationId="login", security=PUBLIC, summary="Exchange credentials for a bearer token")
    @blp.arguments(CredentialsSchema, example={"username": "ada", "password": "correct horse battery"})
    @blp.response(200, TokenSchema, description="A new bearer token.")
    @blp.errors(401, 429, 503)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Each login issues a new token; logging out revokes only the token it is called with.

        Attempts are throttled per client address and per username (known or not, so a 429 tells
        nothing about which accounts exist); a successful sign-in clears its username's count.
        """
        throttle, account = current_throttle(), account_key(data["username"])
        throttle.hit(LOGIN_PER_ADDRESS, client_address())
        throttle.hit(LOGIN_PER_ACCOUNT, account)
        session = get_session()
        user = authenticate_password(session, data["username"], data["password"])
        if user is None:
            abort(401, message="Unknown username or wrong password.")
        throttle.clear(LOGIN_PER_ACCOUNT, account)
        token = issue_token(session, user)
        session.commit()
        return {
            "access_token": token.value,
            "token_type": "Bearer",
            "expires_in": token.expires_in,
            "expires_at": token.expires_at,
        }


@blp.route("/logout")
class Logout(MethodView):
    @login_required(blp)
    @blp.doc(operationId="logout", summary="Revoke the token this request is made with")
    @blp.response(204, description="The token is revoked.")
    def post(self) -> None:
        session = get_session()
        token = session.merge(current_token())
        token.revoked_at = utcnow()
        session.commit()


@blp.route("/me")
class Me(MethodView):
    @login_required(blp)
    @blp.doc(operationId="getCurrentUser", summary="The account the token belongs to")
    @blp.response(200, UserSchema)
    def get(self) -> User:
        return current_user()
