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
SCHEME_KEYS = ("type", "scheme", "in", "name", "openIdConnectUrl")


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
        ctx.emit(SECURITY_ALTERNATIVE_ADDED if base_alts <= head_alts else SECURITY_CHANGED, where, h)


@document_check
def schemes(ctx: DiffContext) -> None:
    base_schemes = d.components(ctx.base, "securitySchemes")
    head_schemes = d.components(ctx.head, "securitySchemes")
    for name in sorted(set(base_schemes) & set(head_schemes)):
        b, _ = d.resolve(ctx.base, base_schemes[name], "")
        h, h_ptr = d.resolve(ctx.head, head_schemes[name], d.pointer("components", "securitySchemes", name))
        if not (isinstance(b, dict) and isinstance(h, dict)):
            continue
        changed = [k for k in SCHEME_KEYS if b.get(k) != h.get(k)]
        if changed:
            ctx.emit(SCHEME_CHANGED, h_ptr, name=name, keys=", ".join(changed))
