"""Accounts: register, log in, log out, who am I; and the bearer-token gate on every secured operation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.auth.service import token_digest
from app.database import engine_for
from app.models import AccessToken, Todo, User
from tests.conftest import DEFAULT_PASSWORD

SECURED = [
    ("get", "/api/auth/me"),
    ("post", "/api/auth/logout"),
    ("get", "/api/todos"),
    ("post", "/api/todos"),
    ("get", "/api/todos/1"),
    ("patch", "/api/todos/1"),
    ("put", "/api/todos/1"),
    ("delete", "/api/todos/1"),
]


@pytest.fixture
def digest(app):
    """The HMAC the app stores for a token, computed with the app's own key."""

    def compute(token: str) -> str:
        with app.app_context():
            return token_digest(token)

    return compute


def test_register_stores_an_argon2_hash_not_the_password(client, db):
    response = client.post("/api/auth/register", json={"username": "ada", "password": DEFAULT_PASSWORD})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body.keys() == {"id", "username", "created_at"}
    assert body["username"] == "ada"
    assert response.headers["Location"] == "/api/auth/me"
    user = db.scalar(select(User).where(User.username == "ada"))
    assert user is not None and user.id == body["id"]
    assert user.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in user.password_hash


def test_register_a_taken_username_is_409(auth, expect_error, db):
    assert auth.register("ada").status_code == 201
    body = expect_error(auth.register("ada", "another password"), 409)
    assert "ada" in body["message"]
    assert db.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("spelling", ["ADA", "Ada", "adA"])
def test_a_username_taken_in_another_case_is_409(auth, expect_error, db, spelling):
    assert auth.register("ada").status_code == 201
    expect_error(auth.register(spelling, "another password"), 409)
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_the_database_refuses_two_spellings_of_one_name(db):
    """The unique index on lower(username) holds even for a writer that skips the API's check."""
    db.add(User(username="Grace", password_hash="x"))
    db.commit()
    db.add(User(username="grace", password_hash="y"))
    with pytest.raises(IntegrityError):
        db.commit()


def test_login_takes_any_spelling_and_the_account_keeps_its_own(auth, client):
    assert auth.register("Ada.Lovelace").status_code == 201
    response = auth.login("ada.lovelace")
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["access_token"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["username"] == "Ada.Lovelace"


INVALID_REGISTRATIONS = [
    ({"password": DEFAULT_PASSWORD}, "username"),
    ({"username": "alice\n", "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "alice\r\n", "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "\nalice", "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "alicé", "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "ada"}, "password"),
    ({"username": "ab", "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "a" * 33, "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "ada lovelace", "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "ada", "password": "short"}, "password"),
    ({"username": "ada", "password": "x" * 129}, "password"),
    ({"username": 42, "password": DEFAULT_PASSWORD}, "username"),
    ({"username": "ada", "password": None}, "password"),
    ({"username": "ada", "password": DEFAULT_PASSWORD, "admin": True}, "admin"),
]


def test_register_invalid_input_is_422_by_field(client, expect_error, db):
    for payload, field in INVALID_REGISTRATIONS:
        body = expect_error(client.post("/api/auth/register", json=payload), 422)
        assert field in body["errors"]["json"], (payload, body)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_login_returns_a_bearer_token_stored_only_as_its_hmac(auth, db, digest):
    auth.register("ada")
    response = auth.login("ada")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    token = body["access_token"]
    assert len(token) >= 32
    stored = db.scalars(select(AccessToken)).all()
    assert len(stored) == 1
    assert stored[0].token_hash == digest(token)
    assert token not in stored[0].token_hash
    assert stored[0].revoked_at is None
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    assert expires_at == stored[0].expires_at
    assert abs((expires_at - dt.datetime.now(dt.UTC)).total_seconds() - 3600) < 60


@pytest.mark.parametrize(
    ("username", "password"),
    [("ada", "wrong password"), ("nobody", DEFAULT_PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_login_with_bad_credentials_is_401(auth, expect_error, db, username, password):
    auth.register("ada")
    response = auth.login(username, password)
    body = expect_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "password" in body["message"]
    assert db.scalar(select(func.count()).select_from(AccessToken)) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"username": "ada"},
        {"username": "ada", "password": 12345678},
        {"username": "ada", "password": "x" * 129},
    ],
    ids=["empty", "no-password", "number-password", "long-password"],
)
def test_login_with_invalid_input_is_422(client, expect_error, payload):
    body = expect_error(client.post("/api/auth/login", json=payload), 422)
    assert body["errors"]["json"], body


def test_login_rehashes_a_password_stored_with_weaker_settings(request, app_config, auth, db):
    auth.register("ada")
    old_hash = db.scalar(select(User.password_hash).where(User.username == "ada"))
    stronger = create_app({**app_config, "PASSWORD_HASH_TIME_COST": 2})
    request.addfinalizer(engine_for(stronger).dispose)
    client = stronger.test_client()
    response = client.post("/api/auth/login", json={"username": "ada", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200, response.get_json()
    db.expire_all()
    new_hash = db.scalar(select(User.password_hash).where(User.username == "ada"))
    assert new_hash != old_hash
    assert ",t=2," in new_hash and ",t=1," in old_hash
    me = client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {response.get_json()['access_token']}"}
    )
    assert me.status_code == 200


def test_me_returns_the_token_owner(client, auth):
    headers = auth.headers("ada")
    response = client.get("/api/auth/me", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["username"] == "ada"
    assert "password" not in response.get_json()


def test_each_login_issues_a_new_token(auth):
    first, second = auth.token("ada"), auth.token("ada")
    assert first != second


def test_logout_revokes_only_the_token_it_is_called_with(client, auth, db, digest, expect_error):
    kept, revoked = auth.headers("ada"), auth.headers("ada")
    response = client.post("/api/auth/logout", headers=revoked)
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers
    rows = {row.token_hash: row for row in db.scalars(select(AccessToken))}
    assert rows[digest(revoked["Authorization"].split()[1])].revoked_at is not None
    assert rows[digest(kept["Authorization"].split()[1])].revoked_at is None
    assert client.get("/api/auth/me", headers=kept).status_code == 200
    expect_error(client.get("/api/auth/me", headers=revoked), 401)


def _expire(db, digest, headers):
    token = headers["Authorization"].removeprefix("Bearer ")
    row = db.scalar(select(AccessToken).where(AccessToken.token_hash == digest(token)))
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()


@pytest.mark.parametrize(
    ("credentials", "invalid_token", "message"),
    [
        ("none", False, "Authentication required"),
        ("basic", True, "Malformed"),
        ("empty-bearer", True, "Malformed"),
        ("unknown", True, "invalid"),
        ("oversized", True, "invalid"),
        ("revoked", True, "revoked"),
        ("expired", True, "expired"),
    ],
)
def test_secured_operations_need_a_valid_token(
    client, auth, db, digest, expect_error, make_todo, credentials, invalid_token, message
):
    valid = auth.headers("alice")
    todo = make_todo(headers=valid, title="Untouched")
    headers = {
        "none": {},
        "basic": {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
        "empty-bearer": {"Authorization": "Bearer "},
        "unknown": {"Authorization": "Bearer not-a-token-we-issued"},
        "oversized": {"Authorization": "Bearer " + "x" * 8000},
    }.get(credentials, valid)
    if credentials == "revoked":
        assert client.post("/api/auth/logout", headers=valid).status_code == 204
    elif credentials == "expired":
        _expire(db, digest, valid)
    # A valid body, so that the only thing wrong with each request is its credentials.
    body = {"title": "t", "description": None, "done": True, "priority": "low", "due_at": None, "tags": []}
    for method, path in SECURED:
        path = path.replace("/1", f"/{todo['id']}")
        kwargs = {"json": body} if method in ("post", "put", "patch") and "todos" in path else {}
        response = getattr(client, method)(path, headers=headers, **kwargs)
        envelope = expect_error(response, 401)
        assert message in envelope["message"], (method, path, envelope)
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith('Bearer realm="api"'), (method, path, challenge)
        assert ('error="invalid_token"' in challenge) is invalid_token, (method, path, challenge)
    db.expire_all()
    assert [(t.title, t.done) for t in db.scalars(select(Todo))] == [("Untouched", False)]


def test_the_scheme_name_is_case_insensitive(client, auth_headers):
    token = auth_headers["Authorization"].removeprefix("Bearer ")
    assert client.get("/api/auth/me", headers={"Authorization": f"bearer {token}"}).status_code == 200
