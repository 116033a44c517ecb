"""Security: what an operation requires of a client, and how the schemes in components send credentials."""

from __future__ import annotations

from typing import Any

from openapi import document as d
from openapi.diff.context import DiffContext, document_check, operation_check
from openapi.diff.rules import BREAKING, INFO, define

SECURITY_ADDED = define(
    "api-security-added",
    BREAKING,
    "a public operation now requires authentication",
    "{label} now requires authentication ({schemes}): anonymous clients get 401.",
    oasdiff=INFO,
    why="anonymous clients of a newly secured operation get 401",
)
SECURITY_CHANGED = define(
    "api-security-changed",
    BREAKING,
    "a security requirement a client may use was removed or replaced",
    "{label} changed its security requirements: clients authenticating the old way are refused.",
    oasdiff=INFO,
    oasdiff_id="api-security-removed",
    why="a client using the removed requirement is refused",
)
SECURITY_ALTERNATIVE_ADDED = define(
    "api-security-alternative-added",
    INFO,
    "another way to authenticate was added",
    "{label} accepts another way to authenticate.",
    oasdiff_id="api-security-added",
)
SECURITY_REMOVED = define(
    "api-security-removed",
    INFO,
    "an operation no longer requires authentication",
    "{label} no longer requires authentication.",
)
SCHEME_CHANGED = define(
    "security-scheme-changed",
    BREAKING,
    "a security scheme sends credentials differently (type, scheme, in, name)",
    "Security scheme `{name}` changed {keys}: old clients break.",
    oasdiff=INFO,
    oasdiff_id="api-security-component-type-changed",
    why="clients send credentials the way the scheme said; the server no longer reads them there",
)
SCOPE_ADDED = define(
    "api-security-scope-added",
    BREAKING,
    "a security requirement needs another OAuth2 scope",
    "{label}: `{scheme}` now also needs scope(s) {scopes}: tokens without them are refused.",
    oasdiff=INFO,
    why="a client's token lacks the new scope and is refused (403)",
)
SCOPE_REMOVED = define(
    "api-security-scope-removed",
    INFO,
    "a security requirement needs fewer OAuth2 scopes",
    "{label}: `{scheme}` no longer needs scope(s) {scopes}.",
)
SCHEME_REMOVED = define(
    "api-security-component-removed",
    INFO,
    "a security scheme was removed from components (operations using it are reported on their own)",
    "Security scheme `{name}` was removed.",
)
SCHEME_ADDED = define(
    "api-security-component-added", INFO, "a security scheme was added", "Security scheme `{name}` is new."
)
FLOW_URL_CHANGED, TOKEN_URL_CHANGED = (
    define(
        f"api-security-component-oauth-{word}-changed",
        BREAKING,
        f"an OAuth2 flow's {what} changed",
        "Security scheme `{name}`: {flow} `{key}` {old} -> {new}: clients still use the old URL.",
        oasdiff=INFO,
        why="clients are configured with the old URL and get no token",
    )
    for word, what in (("url", "authorization or refresh URL"), ("token-url", "token URL"))
)
FLOW_SCOPE_REMOVED = define(
    "api-security-component-oauth-scope-removed",
    BREAKING,
    "an OAuth2 flow no longer offers a scope",
    "Security scheme `{name}`: {flow} scope `{scope}` was removed: clients asking for it get no token.",
    oasdiff=INFO,
    why="a client that asks the authorization server for the scope is refused a token",
)
FLOW_SCOPE_ADDED = define(
    "api-security-component-oauth-scope-added",
    INFO,
    "an OAuth2 flow offers a new scope",
    "Security scheme `{name}`: {flow} scope `{scope}` is new.",
)
SCHEME_KEYS = ("type", "scheme", "in", "name", "openIdConnectUrl")
FLOW_URLS = ("authorizationUrl", "tokenUrl", "refreshUrl")


def alternatives(doc: dict[str, Any], op: d.Operation) -> set[frozenset]:
    """Each security requirement of the operation as a set of (scheme, sorted scopes)."""
    return {
        frozenset((scheme, tuple(sorted(map(str, d.sequence(scopes))))) for scheme, scopes in req.items())
        for req in d.effective_security(doc, op)
    }


@operation_check
def requirements(ctx: DiffContext, b: d.Operation, h: d.Operation) -> None:
    base_alts, head_alts = alternatives(ctx.base, b), alternatives(ctx.head, h)
    base_public = not base_alts or frozenset() in base_alts
    head_public = not head_alts or frozenset() in head_alts
    where = d.join(h.pointer, "security") if "security" in h.node else "/security"
    if base_public and not head_public:
        schemes = ", ".join(sorted({scheme for alt in head_alts for scheme, _ in alt}))
        ctx.emit(SECURITY_ADDED, where, h, schemes=schemes)
    elif not base_public and head_public:
        ctx.emit(SECURITY_REMOVED, where, h)
    elif not base_public and not head_public and base_alts != head_alts:
        base_alts, head_alts = _scopes_changed(ctx, h, where, base_alts, head_alts)
        if base_alts != head_alts:
            ctx.emit(SECURITY_ALTERNATIVE_ADDED if base_alts <= head_alts else SECURITY_CHANGED, where, h)


def _scopes_changed(
    ctx: DiffContext, h: d.Operation, where: str, base_alts: set[frozenset], head_alts: set[frozenset]
) -> tuple[set[frozenset], set[frozenset]]:
    """Report alternatives that use the same schemes with other scopes; return the rest of both sides."""
    by_schemes = {frozenset(scheme for scheme, _ in alt): alt for alt in head_alts}
    base_rest, head_rest = set(base_alts), set(head_alts)
    for alt in base_alts - head_alts:
        new = by_schemes.get(frozenset(scheme for scheme, _ in alt))
        if new is None or new in base_alts:
            continue
        old_scopes, new_scopes = dict(alt), dict(new)
        for scheme, scopes in new_scopes.items():
            added = sorted(set(scopes) - set(old_scopes[scheme]))
            removed = sorted(set(old_scopes[scheme]) - set(scopes))
            for rule, names in ((SCOPE_ADDED, added), (SCOPE_REMOVED, removed)):
                if names:
                    ctx.emit(rule, where, h, scheme=scheme, scopes=", ".join(f"`{n}`" for n in names))
        base_rest.discard(alt)
        head_rest.discard(new)
    return base_rest, head_rest


@document_check
def schemes(ctx: DiffContext) -> None:
    base_schemes = d.components(ctx.base, "securitySchemes")
    head_schemes = d.components(ctx.head, "securitySchemes")
    for name in sorted(set(base_schemes) - set(head_schemes)):
        ctx.emit(SCHEME_REMOVED, d.pointer("components", "securitySchemes", name), name=name)
    for name in sorted(set(head_schemes) - set(base_schemes)):
        ctx.emit(SCHEME_ADDED, d.pointer("components", "securitySchemes", name), name=name)
    for name in sorted(set(base_schemes) & set(head_schemes)):
        b, _ = d.resolve(ctx.base, base_schemes[name], "")
        h, h_ptr = d.resolve(ctx.head, head_schemes[name], d.pointer("components", "securitySchemes", name))
        if not (isinstance(b, dict) and isinstance(h, dict)):
            continue
        changed = [k for k in SCHEME_KEYS if b.get(k) != h.get(k)]
        if changed:
            ctx.emit(SCHEME_CHANGED, h_ptr, name=name, keys=", ".join(changed))
        _flows(ctx, name, d.mapping(b.get("flows")), d.mapping(h.get("flows")), d.join(h_ptr, "flows"))


def _flows(ctx: DiffContext, name: str, old: dict[str, Any], new: dict[str, Any], ptr: str) -> None:
    """The OAuth2 flows both sides offer: their URLs and scopes (a flow removed changes `type` users)."""
    for flow in sorted(set(old) & set(new)):
        b, h, flow_ptr = d.mapping(old[flow]), d.mapping(new[flow]), d.join(ptr, flow)
        for key in FLOW_URLS:
            if key in b and b.get(key) != h.get(key):
                ctx.emit(
                    TOKEN_URL_CHANGED if key == "tokenUrl" else FLOW_URL_CHANGED,
                    d.join(flow_ptr, key),
                    name=name,
                    flow=flow,
                    key=key,
                    old=b.get(key),
                    new=h.get(key),
                )
        old_scopes, new_scopes = d.mapping(b.get("scopes")), d.mapping(h.get("scopes"))
        for scope in sorted(set(old_scopes) - set(new_scopes)):
            ctx.emit(FLOW_SCOPE_REMOVED, d.join(flow_ptr, "scopes"), name=name, flow=flow, scope=scope)
        for scope in sorted(set(new_scopes) - set(old_scopes)):
            ctx.emit(FLOW_SCOPE_ADDED, d.join(flow_ptr, "scopes", scope), name=name, flow=flow, scope=scope)
