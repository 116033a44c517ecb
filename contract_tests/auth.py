"""Authentication as real users: a hook signs in through the API; Schemathesis caches and refreshes it.

The hook is the one place that knows how an API hands out credentials. It is called with a client for
the target (in-process or HTTP) and an identity name, and returns the headers that authenticate as that
identity, optionally with their lifetime. It is called again when the lifetime runs out and whenever a
request with the cached credentials gets a 401 (e.g. after the `logout` operation revoked the token).

    def my_auth(client: TargetClient, identity: str) -> Credentials | Mapping[str, str]: ...

Select one with `--auth module:callable` or CONTRACT_AUTH; a class is instantiated once per run.
`--auth none` sends no credentials (for public APIs). The default registers and logs in on our API.
For a fixed token, an API key or an OAuth2 password grant no code is needed: see `credentials.py`.
"""

from __future__ import annotations

import importlib
import inspect
import os
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemathesis.auths import AuthContext, CacheEntry, CachingAuthProvider
from schemathesis.wfc.escalation import EscalatingAuthProvider

from contract_tests.defaults import LOGIN_PATH, REGISTER_PATH
from contract_tests.target import ClientResponse, TargetClient, describe_error

# Two accounts: object-level authorization replays the first one's reads as the second.
IDENTITIES = ("alice", "bob")
# Re-login this long before the token's announced expiry, so no request races it.
EXPIRY_MARGIN_SECONDS = 30
# Without an announced lifetime, credentials are kept until the API rejects them with a 401.
UNTIL_REJECTED_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class Credentials:
    """Headers that authenticate one identity, and how long they stay valid (None: until a 401)."""

    headers: Mapping[str, str]
    expires_in: float | None = None


AuthHook = Callable[[TargetClient, str], "Credentials | Mapping[str, str]"]


class AuthHookError(RuntimeError):
    """The hook could not sign in; the message has the response that refused it."""


@dataclass(slots=True)
class RegisterAndLogin:
    """Our API's flow: `POST /api/auth/register` once per identity, then `POST /api/auth/login`."""

    register_path: str = REGISTER_PATH
    login_path: str = LOGIN_PATH
    _accounts: dict[str, dict[str, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, client: TargetClient, identity: str) -> Credentials:
        with self._lock:
            account = self._accounts.get(identity)
            if account is None:
                account = self._register(client, identity)
                self._accounts[identity] = account
        response = client.request("POST", self.login_path, json=account)
        if response.status != 200 or not isinstance(response.body, dict):
            raise AuthHookError(_refused("log in", self.login_path, response))
        token = response.body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthHookError(f"POST {self.login_path} returned no `access_token`: {response.text[:300]}")
        expires_in = response.body.get("expires_in")
        return Credentials(
            headers={"Authorization": f"Bearer {token}"},
            expires_in=float(expires_in) if isinstance(expires_in, int | float) else None,
        )

    def _register(self, client: TargetClient, identity: str) -> dict[str, str]:
        # A fresh name each run, so a gate pointed at a long-lived server never collides with itself.
        account = {
            "username": f"gate-{identity}-{secrets.token_hex(4)}",
            "password": secrets.token_urlsafe(18),
        }
        response = client.request("POST", self.register_path, json=account)
        if response.status not in (200, 201):
            raise AuthHookError(_refused("register", self.register_path, response))
        return account


def _refused(action: str, path: str, response: ClientResponse) -> str:
    return (
        f"The gate could not {action}: POST {path} answered {response.status}: {response.text[:300]}. "
        "For another API, send its credentials with --bearer-env, --api-key-env or --oauth2-password-env, "
        "or sign in with --auth module:callable (see contract_tests/auth.py)."
    )


def load_hook(choice: str | AuthHook | None) -> AuthHook | None:
    """The hook named by the option or CONTRACT_AUTH; `none` disables auth; default: our register/login."""
    if choice is None:
        choice = os.environ.get("CONTRACT_AUTH") or "default"
    if not isinstance(choice, str):
        return choice
    if choice == "none":
        return None
    if choice == "default":
        return RegisterAndLogin()
    module_name, _, attribute = choice.partition(":")
    try:
        obj = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise AuthHookError(f"Cannot import the auth hook {choice!r}: {exc}") from exc
    except (Exception, SystemExit) as exc:
        raise AuthHookError(
            f"Cannot import the auth hook {choice!r}: importing {module_name} raised {describe_error(exc)}"
        ) from exc
    return obj() if inspect.isclass(obj) else obj


class _HookProvider:
    """A Schemathesis auth provider for one identity: asks the hook, puts the headers on the case."""

    def __init__(self, hook: AuthHook, client: TargetClient, identity: str) -> None:
        self.hook = hook
        self.client = client
        self.identity = identity
        self.signed_in = False
        # The hook's first error: when it never signed in at all, the gate cannot run (exit 2).
        self.error: Exception | None = None

    def get(self, case: Any, context: AuthContext) -> Credentials:
        try:
            result = self.hook(self.client, self.identity)
        except Exception as exc:
            self.error = self.error or exc
            raise
        self.signed_in = True
        return result if isinstance(result, Credentials) else Credentials(headers=dict(result))

    def set(self, case: Any, data: Credentials, context: AuthContext) -> None:
        for name, value in data.headers.items():
            case.headers[name] = value


class _TokenCache(CachingAuthProvider):
    """Schemathesis' caching provider, kept for as long as the credentials say they live.

    Being a CachingAuthProvider with `retry_on=[401]` is what makes Schemathesis invalidate it, sign in
    again and replay the request when the API rejects the cached token (revoked by `logout`).
    """

    def _set_cache_entry(self, data: Any, case: Any, context: AuthContext) -> None:
        lifetime = data.expires_in if isinstance(data, Credentials) else None
        seconds = UNTIL_REJECTED_SECONDS if lifetime is None else max(lifetime - EXPIRY_MARGIN_SECONDS, 1.0)
        self.cache_entry = CacheEntry(data=data, expires=self.timer() + seconds)


def sign_in_error(provider: EscalatingAuthProvider) -> AuthHookError | None:
    """Why the gate could not run: the hook failed and never signed anyone in (None if it ever did)."""
    hooks = [cache.provider for cache in provider.providers if isinstance(cache, _TokenCache)]
    if any(hook.signed_in for hook in hooks):
        return None
    error = next((hook.error for hook in hooks if hook.error is not None), None)
    return None if error is None else as_sign_in_error(error)


def as_sign_in_error(error: Exception) -> AuthHookError:
    """The hook's own exception as the gate's sign-in error (the hook's message kept)."""
    if isinstance(error, AuthHookError):
        return error
    return AuthHookError(f"The auth hook could not sign in: {describe_error(error)}")


def build_provider(
    hook: AuthHook, client: TargetClient, identities: Sequence[str] = IDENTITIES
) -> EscalatingAuthProvider:
    """Every case goes out as the first identity; a second is the peer object-level checks probe with."""
    providers = [
        _TokenCache(
            _HookProvider(hook, client, identity), refresh_interval=UNTIL_REJECTED_SECONDS, retry_on=[401]
        )
        for identity in identities
    ]
    return identity_chain(providers, identities)


def identity_chain(providers: Sequence[Any], identities: Sequence[str]) -> EscalatingAuthProvider:
    """One provider per identity, the first pinned for every case; with two, they are peers."""
    peers = tuple(identities) if len(identities) > 1 else ()
    return EscalatingAuthProvider(list(providers), list(identities), peers=peers, pinned=identities[0])
