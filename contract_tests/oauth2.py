"""OAuth2's password grant (RFC 6749 4.3) as a built-in hook: the token URL comes from the spec's flow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contract_tests.auth import AuthHookError, Credentials
from contract_tests.credentials import Account
from contract_tests.target import TargetClient

# RFC 6749 5.2: the answers that mean the credentials (not the request) are wrong.
REFUSED_CREDENTIALS = (400, 401)


@dataclass(frozen=True, slots=True)
class PasswordGrant:
    """Posts `grant_type=password` form-encoded to the token URL for each identity; sends its bearer token.

    As a hook it gets what every hook gets: its request to a documented token endpoint is a checked case,
    and a 401 on the token re-runs the grant (the tokens' `expires_in` is honoured too).
    """

    token_path: str
    accounts: Mapping[str, Account]
    scope: str | None = None

    @property
    def identities(self) -> tuple[str, ...]:
        return tuple(self.accounts)

    def __call__(self, client: TargetClient, identity: str) -> Credentials:
        account = self.accounts[identity]
        form = {"grant_type": "password", "username": account.username, "password": account.password}
        if self.scope:
            form["scope"] = self.scope
        response = client.request("POST", self.token_path, data=form, headers={"Accept": "application/json"})
        body = response.body if isinstance(response.body, dict) else {}
        if response.status != 200:
            reason = body.get("error") or response.text[:200]
            hint = (
                f"check the username and password in {account.source}"
                if response.status in REFUSED_CREDENTIALS
                else "is the token URL in the spec's password flow right?"
            )
            raise AuthHookError(
                f"The gate could not get an OAuth2 token: POST {self.token_path} answered "
                f"{response.status} ({reason}); {hint}."
            )
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthHookError(f"POST {self.token_path} returned no `access_token`: {response.text[:300]}")
        token_type = str(body.get("token_type", "bearer"))
        if token_type.lower() != "bearer":
            raise AuthHookError(
                f"POST {self.token_path} issued a {token_type!r} token; the gate sends bearer ones only."
            )
        expires_in = body.get("expires_in")
        return Credentials(
            headers={"Authorization": f"Bearer {token}"},
            expires_in=float(expires_in) if isinstance(expires_in, int | float) else None,
        )

    def describe(self, scheme: str) -> str:
        """The report's Auth line (never the credentials)."""
        sources = " and ".join(account.source for account in self.accounts.values())
        line = f"OAuth2 password grant at POST {self.token_path} (scheme {scheme}, from {sources})"
        if len(self.accounts) < 2:
            line += "; no second identity, so object_level_authorization does not run"
        # Schemathesis 4.32 removes credentials only for apiKey and http schemes (get_security_parameters).
        return line + "; ignored_auth does not probe oauth2 schemes, so a token the API ignores goes unseen"
