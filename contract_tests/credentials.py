"""Auth without code: credentials from the command line and environment, placed as the spec's schemes say.

`--header 'Name: value'` and `--bearer-env NAME` send fixed headers; `--api-key-env NAME` sends a key
where the spec's `apiKey` scheme puts it (header, query or cookie); `--oauth2-password-env USER:PASS`
signs in at the password flow's `tokenUrl` (`oauth2.py`). Each has a `--peer-...` twin: the second
identity that `object_level_authorization` probes the first one's objects with.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemathesis.auths import AuthContext

from contract_tests.auth import AuthHookError
from contract_tests.schemes import API_KEY, choose_scheme


@dataclass(frozen=True, slots=True)
class Secret:
    """A value read from the environment, and the option that named it (the report says only that)."""

    value: str
    source: str


def from_environment(option: str, variable: str) -> Secret:
    """The variable's value; unset or empty is the user's mistake, said before anything runs (exit 2)."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise AuthHookError(
            f"{option} {variable}: the environment variable {variable} is unset or empty; "
            f"export it first (export {variable}=...) or drop the option."
        )
    return Secret(value, f"{option} {variable}")


@dataclass(frozen=True, slots=True)
class Account:
    """OAuth2 password-grant credentials, from the two variables `USER_ENV:PASS_ENV` names."""

    username: str
    password: str
    source: str


def account_from_environment(option: str, names: str) -> Account:
    user_variable, colon, password_variable = names.partition(":")
    if not colon or not user_variable or not password_variable:
        raise AuthHookError(
            f"{option} {names!r} is not USER_ENV:PASS_ENV; e.g. {option} API_USER:API_PASSWORD."
        )
    username = from_environment(option, user_variable).value
    password = from_environment(option, password_variable).value
    return Account(username, password, f"{option} {names}")


@dataclass(frozen=True, slots=True)
class StaticAuth:
    """Credentials the user gave: one identity, no sign-in, sent on every request.

    They replace the hook for the run; a 401 on them is the API's answer, never a reason to sign in again.
    """

    headers: Mapping[str, str]
    # Where each credential came from, for the report; never the values, which are secrets.
    sources: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)

    def describe(self, spec_declares_security: bool, peer: StaticAuth | None = None) -> str:
        """The report's Auth line: what went out, and that it did without securitySchemes."""
        sent = ", ".join(f"{name} ({source})" for name, source in self.sources.items())
        kind = "headers" if not (self.query or self.cookies) else "credentials"
        line = f"static {kind} {sent} on every request; no sign-in"
        if peer is None:
            line += ", no second identity"
        else:
            changed = ", ".join(
                source for name, source in peer.sources.items() if self.sources.get(name) != source
            )
            line += f"; second identity for object-level checks from {changed}"
        if not spec_declares_security:
            line += "; the spec declares no securitySchemes, so they are sent as given and not checked"
        return line

    def with_credential(self, where: str, name: str, secret: Secret) -> StaticAuth:
        """A copy that also sends `secret` as the header, query parameter or cookie `name`."""
        parts = {"header": dict(self.headers), "query": dict(self.query), "cookie": dict(self.cookies)}
        if where not in parts:
            raise AuthHookError(f"{secret.source}: an API key `in: {where}` is not one the gate can send.")
        parts[where][name] = secret.value
        label = name if where == "header" else f"{where} {name}"
        return StaticAuth(
            parts["header"], {**self.sources, label: secret.source}, parts["query"], parts["cookie"]
        )


NO_STATIC = StaticAuth({}, {})


def static_auth(headers: Sequence[str] = (), bearer_env: str | None = None) -> StaticAuth | None:
    """The headers of `--header 'Name: value'` and `--bearer-env NAME`, or None when neither was given."""
    auth = NO_STATIC
    for text in headers:
        name, colon, value = text.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name or not value or " " in name:
            raise AuthHookError(f"--header {text!r} is not 'Name: value'; e.g. --header 'X-API-Key: abc123'.")
        auth = auth.with_credential("header", name, Secret(value, "--header"))
    if bearer_env is not None:
        token = from_environment("--bearer-env", bearer_env)
        auth = auth.with_credential("header", "Authorization", Secret(f"Bearer {token.value}", token.source))
    return auth if auth.sources else None


@dataclass(frozen=True, slots=True)
class GivenAuth:
    """Everything the command line says about auth besides a hook, its environment values read once."""

    static: StaticAuth | None = None
    api_key: Secret | None = None
    oauth2: Account | None = None
    oauth2_scope: str | None = None
    # The second identity, given the same way as the first.
    peer_bearer: Secret | None = None
    peer_api_key: Secret | None = None
    peer_oauth2: Account | None = None
    # `--security-scheme NAME`: which scheme the API key or the OAuth2 flow belongs to.
    scheme: str | None = None

    @property
    def given(self) -> bool:
        return any((self.static, self.api_key, self.oauth2))

    def check(self) -> None:
        """A peer needs a first identity given the same way; say so rather than ignore it."""
        pairs = (
            (self.peer_bearer, "--peer-bearer-env", self.static, "--bearer-env or --header"),
            (self.peer_api_key, "--peer-api-key-env", self.api_key, "--api-key-env"),
            (self.peer_oauth2, "--peer-oauth2-password-env", self.oauth2, "--oauth2-password-env"),
        )
        for peer, option, first, needs in pairs:
            if peer is not None and first is None:
                raise AuthHookError(f"{option} gives the second identity; give the first with {needs} too.")
        if self.oauth2 is not None and (self.static or self.api_key):
            raise AuthHookError(
                "--oauth2-password-env signs in for its token; drop --header/--bearer-env/--api-key-env."
            )

    def static_pair(self, raw: dict[str, Any]) -> tuple[StaticAuth, StaticAuth | None]:
        """The first identity's static credentials and the peer's, the API key placed by the spec."""
        first = self.static or NO_STATIC
        peer = None
        if self.peer_bearer is not None:
            peer = first.with_credential(
                "header", "Authorization", Secret(f"Bearer {self.peer_bearer.value}", self.peer_bearer.source)
            )
        if self.api_key is not None:
            scheme = choose_scheme(raw, API_KEY, self.api_key.source.split()[0], self.scheme)
            where, name = str(scheme.location), str(scheme.parameter)
            first = first.with_credential(where, name, self.api_key)
            if self.peer_api_key is not None:
                peer = (peer or first).with_credential(where, name, self.peer_api_key)
            elif peer is not None:
                peer = peer.with_credential(where, name, self.api_key)
        return first, peer


def given_auth(
    *,
    headers: Sequence[str] = (),
    bearer_env: str | None = None,
    api_key_env: str | None = None,
    oauth2_password_env: str | None = None,
    oauth2_scope: str | None = None,
    peer_bearer_env: str | None = None,
    peer_api_key_env: str | None = None,
    peer_oauth2_password_env: str | None = None,
    security_scheme: str | None = None,
) -> GivenAuth:
    """The options' credentials, each variable read now so a missing one stops the run before it starts."""
    given = GivenAuth(
        static=static_auth(headers, bearer_env),
        api_key=from_environment("--api-key-env", api_key_env) if api_key_env else None,
        oauth2=account_from_environment("--oauth2-password-env", oauth2_password_env)
        if oauth2_password_env
        else None,
        oauth2_scope=oauth2_scope,
        peer_bearer=from_environment("--peer-bearer-env", peer_bearer_env) if peer_bearer_env else None,
        peer_api_key=from_environment("--peer-api-key-env", peer_api_key_env) if peer_api_key_env else None,
        peer_oauth2=account_from_environment("--peer-oauth2-password-env", peer_oauth2_password_env)
        if peer_oauth2_password_env
        else None,
        scheme=security_scheme,
    )
    given.check()
    return given


class StaticProvider:
    """A Schemathesis auth provider that puts the same credentials on every case.

    Being a provider (not plain headers) marks the case as carrying explicit auth, which is what lets
    `ignored_auth` remove the declared credentials and expect the API to refuse the request.
    """

    def __init__(self, auth: StaticAuth) -> None:
        self.auth = auth

    def get(self, case: Any, context: AuthContext) -> StaticAuth:
        return self.auth

    def set(self, case: Any, data: StaticAuth, context: AuthContext) -> None:
        for container, values in (
            (case.headers, data.headers),
            (case.query, data.query),
            (case.cookies, data.cookies),
        ):
            for name, value in values.items():
                container[name] = value
