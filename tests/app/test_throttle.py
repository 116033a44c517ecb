"""Throttling: sign-in per account and per address, registration per address, API use per token."""

from __future__ import annotations

import logging
import re
import secrets

import pytest
import redis

from app import create_app
from app.config import ConfigError, load_settings
from app.database import engine_for
from tests.app.conftest import check_error
from tests.conftest import AuthActions
from tests.ports import free_port

WRONG = "not the password"
HOUR = 3600
REDIS_URL = "redis://127.0.0.1:6379/1"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def limits() -> dict[str, str]:
    """Tight limits, one per test that needs it; the others stay out of the way."""
    return {
        "RATELIMIT_LOGIN_PER_ACCOUNT": "3 per hour",
        "RATELIMIT_LOGIN_PER_ADDRESS": "1000 per hour",
        "RATELIMIT_REGISTER_PER_ADDRESS": "1000 per hour",
        "RATELIMIT_API_PER_TOKEN": "1000 per hour",
    }


@pytest.fixture
def app_config(app_config, limits):
    return {**app_config, **limits}


def check_throttled(response, refusal: str) -> dict:
    """A 429 in the error envelope, with whole seconds in Retry-After and the request's ID."""
    body = check_error(response, 429)
    assert refusal in body["message"], body
    retry_after = response.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 1 <= int(retry_after) <= HOUR, response.headers
    assert response.headers.get("X-Request-ID"), response.headers
    return body


def test_wrong_passwords_for_one_account_get_429_after_the_limit(client, auth):
    auth.register("alice")
    statuses = [auth.login("alice", WRONG).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    check_throttled(auth.login("alice", WRONG), "for this username")
    # Locked means locked: the right password does not get through either until the window passes.
    check_throttled(auth.login("alice"), "for this username")


def test_the_account_counts_in_any_case(auth):
    auth.register("alice")
    for name in ("alice", "Alice", "ALICE"):
        assert auth.login(name, WRONG).status_code == 401
    check_throttled(auth.login("aLiCe", WRONG), "for this username")


def test_another_account_is_not_affected(auth):
    auth.register("alice")
    auth.register("bob")
    for _ in range(4):
        auth.login("alice", WRONG)
    assert auth.login("alice").status_code == 429
    assert auth.login("bob", WRONG).status_code == 401
    assert auth.login("bob").status_code == 200


def test_an_unknown_username_is_throttled_like_a_known_one(auth):
    """Otherwise a 429 (or its absence) would tell which accounts exist."""
    auth.register("alice")
    known = [auth.login("alice", WRONG) for _ in range(4)]
    unknown = [auth.login("nobody", WRONG) for _ in range(4)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401, 401, 401, 429]
    for mine, theirs in zip(known, unknown, strict=True):
        assert _without_numbers(mine.get_json()) == _without_numbers(theirs.get_json())


def _without_numbers(body: dict) -> dict:
    return {**body, "message": re.sub(r"\d+", "N", body["message"])}


def test_a_successful_sign_in_clears_the_accounts_count(auth):
    auth.register("alice")
    assert [auth.login("alice", WRONG).status_code for _ in range(2)] == [401, 401]
    assert auth.login("alice").status_code == 200
    # Three more failures fit again: the two before the success no longer count.
    assert [auth.login("alice", WRONG).status_code for _ in range(3)] == [401, 401, 401]
    assert auth.login("alice", WRONG).status_code == 429


@pytest.mark.parametrize("limits", [{"RATELIMIT_LOGIN_PER_ADDRESS": "4 per hour"}])
def test_sign_ins_from_one_address_are_limited_across_usernames(client):
    def login(name: str, address: str):
        body = {"username": name, "password": WRONG}
        return client.post("/api/auth/login", json=body, environ_base={"REMOTE_ADDR": address})

    assert [login(f"user{i}", "10.0.0.1").status_code for i in range(4)] == [401] * 4
    check_throttled(login("user9", "10.0.0.1"), "from this address")
    assert login("user9", "10.0.0.2").status_code == 401


@pytest.mark.parametrize("limits", [{"RATELIMIT_REGISTER_PER_ADDRESS": "2 per hour"}])
def test_registrations_from_one_address_are_limited(client):
    def register(name: str, address: str = "10.0.0.1"):
        body = {"username": name, "password": "correct horse battery"}
        return client.post("/api/auth/register", json=body, environ_base={"REMOTE_ADDR": address})

    assert [register("ann").status_code, register("ann").status_code] == [201, 409]
    check_throttled(register("bea"), "registrations from this address")
    assert register("bea", "10.0.0.2").status_code == 201


@pytest.mark.parametrize("limits", [{"RATELIMIT_REGISTER_PER_ADDRESS": "1 per hour"}])
def test_invalid_registrations_do_not_count(client):
    """The limit guards the costly part (hashing a password), which a 422 never reaches."""
    for _ in range(3):
        response = client.post("/api/auth/register", json={"username": "ann"})
        check_error(response, 422)
    assert AuthActions(client).register("ann").status_code == 201


@pytest.mark.parametrize("limits", [{"RATELIMIT_API_PER_TOKEN": "3 per hour"}])
def test_requests_with_one_token_are_limited_and_another_token_is_not(client, auth):
    first, second = auth.headers("alice"), auth.headers("alice")
    assert [client.get("/api/auth/me", headers=first).status_code for _ in range(3)] == [200] * 3
    check_throttled(client.get("/api/todos", headers=first), "with this access token")
    assert client.get("/api/auth/me", headers=second).status_code == 200


@pytest.mark.parametrize("limits", [{"RATELIMIT_API_PER_TOKEN": "1 per hour"}])
def test_invalid_tokens_are_refused_before_they_are_counted(client):
    for _ in range(3):
        check_error(client.get("/api/auth/me", headers={"Authorization": "Bearer forged"}), 401)


@pytest.mark.parametrize(
    "limits",
    [
        {
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_LOGIN_PER_ACCOUNT": "1 per hour",
            "RATELIMIT_API_PER_TOKEN": "1/hour",
        }
    ],
)
def test_throttling_off_by_configuration(client, auth):
    auth.register("alice")
    assert {auth.login("alice", WRONG).status_code for _ in range(10)} == {401}
    headers = auth.headers("alice")
    assert {client.get("/api/auth/me", headers=headers).status_code for _ in range(5)} == {200}


@pytest.mark.parametrize(("raw", "enabled"), [("false", False), ("0", False), ("OFF", False), ("true", True)])
def test_ratelimit_enabled_is_read_from_the_environment(monkeypatch, tmp_path, raw, enabled):
    monkeypatch.setenv("RATELIMIT_ENABLED", raw)
    assert load_settings(str(tmp_path))["RATELIMIT_ENABLED"] is enabled


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"RATELIMIT_LOGIN_PER_ACCOUNT": "ten a day"}, "RATELIMIT_LOGIN_PER_ACCOUNT must be limits"),
        ({"RATELIMIT_STORAGE_URL": "nowhere://"}, "RATELIMIT_STORAGE_URL"),
        ({"RATELIMIT_STRATEGY": "guesswork"}, "RATELIMIT_STRATEGY"),
    ],
)
def test_unusable_settings_refuse_to_start(app_config, settings, message):
    with pytest.raises(ConfigError, match=message):
        create_app({**app_config, **settings})


def test_an_unusable_enabled_value_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("RATELIMIT_ENABLED", "maybe")
    with pytest.raises(ConfigError, match="RATELIMIT_ENABLED must be true or false"):
        load_settings(str(tmp_path))


@pytest.mark.parametrize("limits", [{"TRUSTED_PROXY_COUNT": 1, "RATELIMIT_LOGIN_PER_ADDRESS": "2 per hour"}])
def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(client):
    def login(forwarded: str):
        body = {"username": "ann", "password": WRONG}
        return client.post("/api/auth/login", json=body, headers={"X-Forwarded-For": forwarded})

    assert [login("192.0.2.1").status_code for _ in range(2)] == [401, 401]
    assert login("192.0.2.1").status_code == 429
    assert login("192.0.2.2").status_code == 401


@pytest.mark.parametrize("limits", [{"RATELIMIT_LOGIN_PER_ADDRESS": "2 per hour"}])
def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client):
    def login(forwarded: str):
        body = {"username": "ann", "password": WRONG}
        return client.post("/api/auth/login", json=body, headers={"X-Forwarded-For": forwarded})

    assert [login(f"192.0.2.{i}").status_code for i in range(3)] == [401, 401, 429]


def test_429_is_documented_on_exactly_the_throttled_operations(app):
    spec = app.extensions["api"].spec.to_dict()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            throttled = operation["operationId"] in {"login", "register"} or operation.get("security") != []
            responses = operation["responses"]
            assert ("429" in responses) is throttled, (method, path, sorted(responses))
            if throttled:
                headers = responses["429"]["headers"]
                assert headers["Retry-After"]["required"] is True
                assert headers["Retry-After"]["schema"]["type"] == "integer"


# --- Redis: one count for every worker --------------------------------------------------------------


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own in Redis DB 1, and only its keys deleted afterwards."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis server at {REDIS_URL} ({exc}); `.ci/run` starts one")
    prefix = f"test-{secrets.token_hex(6)}"
    yield prefix
    keys = list(connection.scan_iter(match=f"*/{prefix}/*"))
    if keys:
        connection.delete(*keys)
    connection.close()


@pytest.fixture
def make_app(app, app_config):
    """More apps on the test's fresh database (`app` made it empty), like more workers; disposed after."""
    made = []

    def make(**settings):
        made.append(create_app({**app_config, **settings}))
        return made[-1]

    yield make
    for other in made:
        engine_for(other).dispose()


def test_redis_storage_counts_across_apps_like_across_workers(make_app, redis_prefix):
    """Two app objects are two gunicorn workers: one count in Redis, so the limit holds across them."""
    config = {"RATELIMIT_STORAGE_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    workers = [make_app(**config).test_client() for _ in range(2)]
    AuthActions(workers[0]).register("alice")
    statuses = [AuthActions(workers[i % 2]).login("alice", WRONG).status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    keys = redis.Redis.from_url(REDIS_URL).keys(f"*/{redis_prefix}/*")
    assert keys, "the counts were not kept in Redis"
    # The storage holds a hash of the username, never the name itself.
    assert not [key for key in keys if b"alice" in key.lower()], keys


def test_redis_storage_clears_on_success(make_app, redis_prefix):
    config = {"RATELIMIT_STORAGE_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    first, second = (AuthActions(make_app(**config).test_client()) for _ in range(2))
    first.register("alice")
    assert [first.login("alice", WRONG).status_code, second.login("alice", WRONG).status_code] == [401, 401]
    assert second.login("alice").status_code == 200
    assert [first.login("alice", WRONG).status_code for _ in range(3)] == [401, 401, 401]


def test_unreachable_storage_lets_requests_through_and_logs(make_app, caplog):
    """Sign-in keeps working without its throttle rather than failing for everyone."""
    auth = AuthActions(make_app(RATELIMIT_STORAGE_URL=f"redis://127.0.0.1:{free_port()}/1").test_client())
    with caplog.at_level(logging.ERROR, logger="app.throttle"):
        assert auth.register("alice").status_code == 201
        assert {auth.login("alice", WRONG).status_code for _ in range(5)} == {401}
        assert auth.login("alice").status_code == 200
    assert "Rate limit storage failed" in caplog.text
