"""The auth hook: how one is chosen, our register-and-login flow, and how long its credentials are kept."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from contract_tests.auth import (
    EXPIRY_MARGIN_SECONDS,
    IDENTITIES,
    UNTIL_REJECTED_SECONDS,
    AuthHookError,
    Credentials,
    RegisterAndLogin,
    _HookProvider,
    _TokenCache,
    build_provider,
    load_hook,
    sign_in_error,
)
from contract_tests.target import ClientResponse
from tests.gate import factories


class FakeApi:
    """A client whose answers are scripted per path, recording what it was sent."""

    def __init__(self, **answers: tuple[int, Any]) -> None:
        self.answers = {path.replace("_", "/"): answer for path, answer in answers.items()}
        self.sent: list[tuple[str, str, Any]] = []

    def request(
        self, method: str, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None
    ) -> ClientResponse:
        self.sent.append((method, path, json))
        status, body = self.answers[path]
        text = body if isinstance(body, str) else repr(body)
        return ClientResponse(status, {}, None if isinstance(body, str) else body, text)


def our_api(login: tuple[int, Any] | None = None) -> FakeApi:
    token = (200, {"access_token": "t0ken", "token_type": "Bearer", "expires_in": 900})
    return FakeApi(**{"_api_auth_register": (201, {"id": 1}), "_api_auth_login": login or token})


def test_none_disables_auth_and_default_is_our_register_and_login():
    assert load_hook("none") is None
    assert isinstance(load_hook(None), RegisterAndLogin)
    assert isinstance(load_hook("default"), RegisterAndLogin)


def test_a_callable_is_used_as_it_is():
    assert load_hook(factories.static_key_hook) is factories.static_key_hook


def test_module_callable_string_names_a_function_or_a_class_made_once(monkeypatch):
    assert load_hook("tests.gate.factories:static_key_hook") is factories.static_key_hook
    before = factories.CountingHook.instances
    hook = load_hook("tests.gate.factories:CountingHook")
    assert isinstance(hook, factories.CountingHook)
    assert factories.CountingHook.instances == before + 1
    monkeypatch.setenv("CONTRACT_AUTH", "tests.gate.factories:static_key_hook")
    assert load_hook(None) is factories.static_key_hook
    monkeypatch.setenv("CONTRACT_AUTH", "none")
    assert load_hook(None) is None


@pytest.mark.parametrize(
    "choice", ["tests.gate.factories:nothing_here", "tests.gate.no_such_module:auth", "no-colon-at-all", ":x"]
)
def test_a_hook_that_cannot_be_imported_is_a_clear_error(choice):
    with pytest.raises(AuthHookError, match=f"Cannot import the auth hook '{choice}'"):
        load_hook(choice)


def test_register_once_per_identity_then_log_in_each_time():
    api, hook = our_api(), RegisterAndLogin()
    first = hook(api, "alice")
    hook(api, "alice")
    hook(api, "bob")
    assert first == Credentials(headers={"Authorization": "Bearer t0ken"}, expires_in=900.0)
    paths = [path for _, path, _ in api.sent]
    assert paths.count("/api/auth/register") == 2
    assert paths.count("/api/auth/login") == 3
    registered = [body for _, path, body in api.sent if path == "/api/auth/register"]
    # Fresh names each run, so a long-lived server never meets an account from an earlier run.
    assert registered[0]["username"] != registered[1]["username"]
    assert all(body["username"].startswith("gate-") for body in registered)
    logins = [body for _, path, body in api.sent if path == "/api/auth/login"]
    assert logins[0] == logins[1] == registered[0]


def test_a_token_without_a_lifetime_is_kept_until_rejected():
    api = our_api(login=(200, {"access_token": "t0ken"}))
    assert RegisterAndLogin()(api, "alice").expires_in is None


def test_a_refused_registration_says_what_the_api_answered_and_what_to_do():
    api = FakeApi(**{"_api_auth_register": (404, "<h1>Not Found</h1>")})
    with pytest.raises(AuthHookError) as raised:
        RegisterAndLogin()(api, "alice")
    message = str(raised.value)
    assert "POST /api/auth/register answered 404: <h1>Not Found</h1>" in message
    assert "--auth module:callable" in message


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ((401, {"message": "bad password"}), "could not log in: POST /api/auth/login answered 401"),
        ((200, {"token": "elsewhere"}), "returned no `access_token`"),
        ((200, {"access_token": ""}), "returned no `access_token`"),
    ],
)
def test_a_login_without_a_token_is_an_error(login, expected):
    with pytest.raises(AuthHookError, match=expected):
        RegisterAndLogin()(our_api(login=login), "alice")


def test_other_paths_serve_another_api():
    api = FakeApi(**{"_v2_signup": (200, {}), "_v2_token": (200, {"access_token": "x"})})
    credentials = RegisterAndLogin(register_path="/v2/signup", login_path="/v2/token")(api, "bob")
    assert credentials.headers == {"Authorization": "Bearer x"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cached(hook) -> tuple[_TokenCache, Clock, list[str]]:
    calls: list[str] = []

    def recording(client, identity):
        calls.append(identity)
        return hook(client, identity)

    clock = Clock()
    cache = _TokenCache(
        _HookProvider(recording, client=None, identity="alice"),
        refresh_interval=UNTIL_REJECTED_SECONDS,
        retry_on=[401],
        timer=clock,
    )
    return cache, clock, calls


def test_credentials_are_refreshed_before_their_announced_expiry():
    cache, clock, calls = cached(lambda client, identity: Credentials({"X-Key": identity}, expires_in=300))
    case = SimpleNamespace(headers={})
    cache.get(case, None)
    clock.now += 300 - EXPIRY_MARGIN_SECONDS - 1
    cache.get(case, None)
    assert calls == ["alice"]
    clock.now += 2
    cache.get(case, None)
    assert calls == ["alice", "alice"]


def test_credentials_without_a_lifetime_last_until_rejected_and_plain_headers_work():
    cache, clock, calls = cached(lambda client, identity: {"X-Key": identity})
    case = SimpleNamespace(headers={})
    data = cache.get(case, None)
    assert data == Credentials(headers={"X-Key": "alice"})
    clock.now += UNTIL_REJECTED_SECONDS - 1
    cache.get(case, None)
    assert calls == ["alice"]


def test_provider_puts_the_headers_on_the_case():
    provider = _HookProvider(factories.static_key_hook, client=None, identity="bob")
    case = SimpleNamespace(headers={"Accept": "application/json"})
    provider.set(case, provider.get(case, None), None)
    assert case.headers == {"Accept": "application/json", "X-API-Key": "key-bob"}


def test_every_case_goes_as_the_first_identity_and_the_second_is_its_peer():
    provider = build_provider(factories.static_key_hook, client=None)
    assert provider.names[provider._pinned] == IDENTITIES[0]
    assert tuple(provider.peers) == IDENTITIES
    caches = [cache for cache in provider.providers if isinstance(cache, _TokenCache)]
    assert [cache.provider.identity for cache in caches] == list(IDENTITIES)
    assert all(cache.retry_on == [401] for cache in caches)


def refusing(client, identity):
    raise AuthHookError(f"{identity} refused")


def test_sign_in_error_only_when_the_hook_never_signed_anyone_in():
    case = SimpleNamespace(headers={})
    untouched = build_provider(refusing, client=None)
    assert sign_in_error(untouched) is None, "a run that needed no credentials could run"

    refused = build_provider(refusing, client=None)
    hooks = [cache.provider for cache in refused.providers if isinstance(cache, _TokenCache)]
    for hook in hooks:
        with pytest.raises(AuthHookError):
            hook.get(case, None)
    assert str(sign_in_error(refused)) == "alice refused"

    def bob_only(client, identity):
        return refusing(client, identity) if identity == "alice" else {"X-Key": identity}

    half = build_provider(bob_only, client=None)
    for hook in [cache.provider for cache in half.providers if isinstance(cache, _TokenCache)]:
        with contextlib.suppress(AuthHookError):
            hook.get(case, None)
    assert sign_in_error(half) is None


def test_a_hook_error_of_another_kind_becomes_a_sign_in_error():
    provider = build_provider(factories.refusing_hook, client=None)
    hook = next(cache.provider for cache in provider.providers if isinstance(cache, _TokenCache))
    with pytest.raises(KeyError):
        hook.get(SimpleNamespace(headers={}), None)
    error = sign_in_error(provider)
    assert isinstance(error, AuthHookError)
    assert re.search(
        r"could not sign in: KeyError: 'access_token' \(at tests/gate/factories\.py:\d+\)", str(error)
    )
