"""The spec's securitySchemes: which one a credential given without code belongs to, and where it goes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

# Schemathesis' word for an OpenAPI 2 spec's schemes, kept apart from 3.x's components.
API_KEY, OAUTH2 = "apiKey", "oauth2"


class SchemeError(ValueError):
    """No scheme, or more than one, fits the credential given; the message says how to choose."""


@dataclass(frozen=True, slots=True)
class Scheme:
    """One securitySchemes entry, as far as the gate uses it."""

    name: str
    type: str
    # apiKey: where the key goes (header, query or cookie) and under which name.
    location: str | None = None
    parameter: str | None = None
    # oauth2: the password flow's token URL, as the spec writes it (often relative to the server).
    token_url: str | None = None

    @property
    def kind(self) -> str:
        """`apiKey`, `oauth2-password`, or the scheme's type for the others."""
        return f"{OAUTH2}-password" if self.token_url is not None else self.type


def declared_schemes(raw: dict[str, Any]) -> dict[str, Scheme]:
    """The document's securitySchemes (3.x) or securityDefinitions (2.0), by name."""
    entries = raw.get("components", {}).get("securitySchemes") or raw.get("securityDefinitions") or {}
    return {name: _scheme(name, entry) for name, entry in entries.items() if isinstance(entry, dict)}


def _scheme(name: str, entry: dict[str, Any]) -> Scheme:
    flows = entry.get("flows") or {}
    password = flows.get("password") if isinstance(flows, dict) else None
    token_url = password.get("tokenUrl") if isinstance(password, dict) else None
    if token_url is None and entry.get("flow") == "password":  # OpenAPI 2.0
        token_url = entry.get("tokenUrl")
    return Scheme(
        name=name,
        type=str(entry.get("type", "")),
        location=entry.get("in"),
        parameter=entry.get("name"),
        token_url=token_url,
    )


def used_scheme_names(raw: dict[str, Any]) -> list[str]:
    """Schemes the operations ask for (their own `security` or the document's), in document order."""
    default = raw.get("security") or []
    names: dict[str, None] = {}
    for operation in _operations(raw):
        for requirement in operation.get("security", default) or []:
            names.update(dict.fromkeys(requirement))
    return list(names)


def _operations(raw: dict[str, Any]) -> Iterator[dict[str, Any]]:
    methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    for item in (raw.get("paths") or {}).values():
        for method in methods:
            operation = item.get(method) if isinstance(item, dict) else None
            if isinstance(operation, dict):
                yield operation


def choose_scheme(raw: dict[str, Any], kind: str, option: str, wanted: str | None = None) -> Scheme:
    """The scheme of `kind` that `option`'s credential is for: `wanted`, the only one, or the one in use."""
    schemes = declared_schemes(raw)
    password = kind == f"{OAUTH2}-password"
    label, several = (
        ("an OAuth2 password flow", "OAuth2 password flows")
        if password
        else (
            f"an `{kind}` scheme",
            f"`{kind}` schemes",
        )
    )
    if wanted is not None:
        scheme = schemes.get(wanted)
        if scheme is None or scheme.kind != kind:
            found = ", ".join(f"{s.name} ({s.kind})" for s in schemes.values()) or "none"
            raise SchemeError(
                f"--security-scheme {wanted}: the spec has no such scheme of {label} for {option}; "
                f"its securitySchemes are: {found}."
            )
        return scheme
    candidates = [scheme for scheme in schemes.values() if scheme.kind == kind]
    if not candidates:
        hint = "--header 'Name: value'" if kind == API_KEY else "--bearer-env NAME or an --auth hook"
        raise SchemeError(
            f"{option}: the spec declares no securitySchemes entry of {label}, so the gate cannot tell "
            f"where the credential goes; send it with {hint} instead."
        )
    used = set(used_scheme_names(raw))
    in_use = [scheme for scheme in candidates if scheme.name in used]
    if len(candidates) == 1 or len(in_use) == 1:
        return candidates[0] if len(candidates) == 1 else in_use[0]
    names = ", ".join(scheme.name for scheme in (in_use or candidates))
    raise SchemeError(
        f"{option}: the spec's operations use several {several} ({names}); "
        "choose one with --security-scheme NAME."
    )


def token_path(token_url: str, base_url: str | None) -> str:
    """Where the token request goes: `tokenUrl` resolved against the server URL (OpenAPI's rule), as a path.

    The gate sends it to the app it tests, so only the path (and query) of the result is kept.
    """
    resolved = urlsplit(urljoin(base_url or "/", token_url))
    path = resolved.path or "/"
    return f"{path}?{resolved.query}" if resolved.query else path
