"""Reading securitySchemes: which scheme a credential is for, where it goes, and where the token URL is."""

from __future__ import annotations

import pytest

from contract_tests.auth import AuthHookError
from contract_tests.credentials import given_auth
from contract_tests.schemes import SchemeError, choose_scheme, declared_schemes, token_path

PASSWORD_FLOW = {"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {}}}}


def spec(schemes: dict, *, security: list | None = None, operation_security: list | None = None) -> dict:
    operation: dict = {"responses": {"200": {"description": "ok"}}}
    if operation_security is not None:
        operation["security"] = operation_security
    document = {"components": {"securitySchemes": schemes}, "paths": {"/things": {"get": operation}}}
    if security is not None:
        document["security"] = security
    return document


def test_an_oauth2_password_flow_is_told_from_other_oauth2_flows():
    client_credentials = {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/t", "scopes": {}}}}
    schemes = declared_schemes(spec({"Password": PASSWORD_FLOW, "Machine": client_credentials}))
    assert schemes["Password"].kind == "oauth2-password" and schemes["Password"].token_url == "token"
    assert schemes["Machine"].kind == "oauth2"


def test_an_openapi_2_password_flow_is_read_too():
    document = {"securityDefinitions": {"Old": {"type": "oauth2", "flow": "password", "tokenUrl": "/oauth"}}}
    assert choose_scheme(document, "oauth2-password", "--oauth2-password-env").token_url == "/oauth"


@pytest.mark.parametrize(
    ("token_url", "base_url", "path"),
    [
        ("/token", None, "/token"),
        ("token", "http://localhost", "/token"),
        ("token", "http://127.0.0.1:5000/api/v1/", "/api/v1/token"),
        ("/auth/token?realm=x", "http://localhost/api", "/auth/token?realm=x"),
        ("https://login.example.com/oauth/token", "http://localhost", "/oauth/token"),
    ],
)
def test_the_token_url_resolves_against_the_server_url(token_url, base_url, path):
    assert token_path(token_url, base_url) == path


def test_the_scheme_the_operations_use_is_chosen_among_several():
    schemes = {
        "Header": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "Cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
    }
    assert choose_scheme(spec(schemes, security=[{"Cookie": []}]), "apiKey", "--api-key-env").name == "Cookie"
    chosen = choose_scheme(spec(schemes, operation_security=[{"Header": []}]), "apiKey", "--api-key-env")
    assert chosen.name == "Header"
    with pytest.raises(SchemeError, match="choose one with --security-scheme NAME"):
        choose_scheme(spec(schemes), "apiKey", "--api-key-env")


def test_a_key_goes_in_a_cookie_when_the_scheme_says_so(monkeypatch):
    monkeypatch.setenv("KEY", "k1")
    monkeypatch.setenv("PEER_KEY", "k2")
    document = spec({"Cookie": {"type": "apiKey", "in": "cookie", "name": "session"}})
    first, peer = given_auth(api_key_env="KEY", peer_api_key_env="PEER_KEY").static_pair(document)
    assert (first.cookies, first.headers) == ({"session": "k1"}, {})
    assert peer is not None and peer.cookies == {"session": "k2"}
    assert "cookie session (--api-key-env KEY)" in first.describe(True, peer)


def test_a_peer_bearer_token_keeps_the_first_identitys_other_headers(monkeypatch):
    monkeypatch.setenv("TOKEN", "t1")
    monkeypatch.setenv("PEER_TOKEN", "t2")
    given = given_auth(headers=("X-Tenant: acme",), bearer_env="TOKEN", peer_bearer_env="PEER_TOKEN")
    first, peer = given.static_pair({})
    assert first.headers == {"X-Tenant": "acme", "Authorization": "Bearer t1"}
    assert peer is not None and peer.headers == {"X-Tenant": "acme", "Authorization": "Bearer t2"}
    assert "second identity for object-level checks from --peer-bearer-env PEER_TOKEN" in first.describe(
        True, peer
    )


@pytest.mark.parametrize("names", ["USER_ONLY", ":PASS", "USER:"])
def test_oauth2_accounts_must_name_two_variables(names):
    with pytest.raises(AuthHookError, match="is not USER_ENV:PASS_ENV"):
        given_auth(oauth2_password_env=names)
