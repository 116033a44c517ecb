"""One diff run's state: the two documents, the changes found so far, and the lists of checks to run.

Checks register themselves by place (`document_check`, `operation_check`, `pair_check`): `find_changes` runs
the document checks, `operations.paths`/`webhooks` run the operation checks on each operation in both, and
`DiffContext.compare` (or `compare_below`) runs the pair checks on a pair of subschemas and descends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from openapi import document as d
from openapi.diff import normalize
from openapi.diff.changes import Change
from openapi.diff.rules import LevelPolicy, Rule, SchemaCheck

DocumentCheck = Callable[["DiffContext"], None]
OperationCheck = Callable[["DiffContext", d.Operation, d.Operation], None]
SchemaPairCheck = Callable[["DiffContext", "Pair"], None]

DOCUMENT_CHECKS: list[DocumentCheck] = []
OPERATION_CHECKS: list[OperationCheck] = []
SCHEMA_PAIR_CHECKS: list[SchemaPairCheck] = []


def document_check(fn: DocumentCheck) -> DocumentCheck:
    """Register a check that compares the two documents as a whole (components, webhooks, tags)."""
    DOCUMENT_CHECKS.append(fn)
    return fn


def operation_check(fn: OperationCheck) -> OperationCheck:
    """Register a check run on each operation present in both documents."""
    OPERATION_CHECKS.append(fn)
    return fn


def pair_check(fn: SchemaPairCheck) -> SchemaPairCheck:
    """Register a check run on each pair of schemas at the same place (after `$ref`s and normalisation)."""
    SCHEMA_PAIR_CHECKS.append(fn)
    return fn


@dataclass(frozen=True, slots=True)
class Where:
    """The walk's position: which operation, whose value (request or response), and how we got here."""

    op: d.Operation
    direction: str  # "request" | "response"
    subject: str  # request-body, request-parameter, response-header, ...
    via: str
    name: str = ""  # the property path for messages: `title`, `tags[]`, `owner.name`
    media: str = ""  # the body's media type, "" outside a body
    stack: frozenset = field(default_factory=frozenset)

    def into(self, via_tokens: tuple, name: str) -> Where:
        """One level down: inside a body it is a property; inside a parameter or header, still that."""
        subject = {"request-body": "request-property", "response-body": "response-property"}.get(
            self.subject, self.subject
        )
        return replace(self, via=d.join(self.via, *via_tokens), name=name, subject=subject)

    def along(self, *via_tokens: Any) -> Where:
        """The same value, reached through a keyword that does not nest it (`allOf`, `oneOf`, ...)."""
        return replace(self, via=d.join(self.via, *via_tokens))

    @property
    def loosely_typed(self) -> bool:
        """A body that is text on the wire (XML, plain text, forms): any value reads as a string."""
        media = self.media.split(";")[0].strip().lower()
        return bool(media) and not (media == "application/json" or media.endswith("+json"))

    @property
    def request(self) -> bool:
        return self.direction == "request"

    @property
    def what(self) -> str:
        kind = self.subject.replace("-", " ")
        return f"{kind} `{self.name}`" if self.name else kind


@dataclass(frozen=True, slots=True)
class Pair:
    """Two schemas at the same place, normalised (see `openapi.diff.normalize`), with their pointers."""

    b: dict[str, Any]
    b_ptr: str
    h: dict[str, Any]
    h_ptr: str
    where: Where
    raw: tuple[dict[str, Any], dict[str, Any]] = ({}, {})  # as written, before normalisation

    def both(self, key: str) -> tuple[Any, Any]:
        return self.b.get(key), self.h.get(key)


class DiffContext:
    """The documents being compared and the changes found; each change is recorded once per operation."""

    def __init__(self, base: dict[str, Any], head: dict[str, Any], policy: LevelPolicy | None = None) -> None:
        self.base = base
        self.head = head
        self.policy = policy or LevelPolicy()
        self.changes: list[Change] = []
        self._seen: set[tuple[str, str | None, str]] = set()
        self._norm = {"base": normalize.Normalizer(base), "head": normalize.Normalizer(head)}

    def emit(
        self,
        rule: Rule,
        pointer: str,
        op: d.Operation | None = None,
        via: str | None = None,
        **fields: Any,
    ) -> None:
        """Record a change of `rule` at `pointer`, its message filled from `fields`."""
        label = op.label if op else None
        key = (rule.id, label, pointer)
        if key in self._seen:  # a shared component reached twice from one operation counts once
            return
        self._seen.add(key)
        op_id = op.operation_id if op else None
        message = rule.text(label=label, **fields)
        self.changes.append(Change(rule.id, self.policy.level(rule), message, pointer, label, op_id, via))

    def schema_change(self, where: Where, check: SchemaCheck, pointer: str, **fields: Any) -> None:
        """Record a schema check's change at `where` (nothing where the check does not apply)."""
        rule = check.rule(where.subject)
        if rule is not None:
            self.emit(rule, pointer, where.op, where.via, what=where.what, **fields)

    def compare(self, b: Any, b_ptr: str, h: Any, h_ptr: str, where: Where) -> None:
        """Compare two schemas at the same place by meaning, then run every schema check on them."""
        b, b_ptr = d.resolve(self.base, b, b_ptr)
        h, h_ptr = d.resolve(self.head, h, h_ptr)
        if not (isinstance(b, dict) and isinstance(h, dict)):
            return
        key = (b_ptr, h_ptr, where.direction)
        if key in where.stack:  # a recursive schema: this pair is already being compared further up
            return
        where = replace(where, stack=where.stack | {key})
        raw = (b, h)
        b, b_ptr = self._norm["base"].schema(b, b_ptr)
        h, h_ptr = self._norm["head"].schema(h, h_ptr)
        pair = Pair(b, b_ptr, h, h_ptr, where, raw)
        for check in SCHEMA_PAIR_CHECKS:
            check(self, pair)

    def compare_below(self, pair: Pair, where: Where, *tokens: Any) -> None:
        """Compare the subschemas both schemas of `pair` hold at `tokens` (e.g. `then`, `patternProperties`,
        `^x-`)."""
        self.compare(
            _at(pair.b, tokens),
            d.join(pair.b_ptr, *tokens),
            _at(pair.h, tokens),
            d.join(pair.h_ptr, *tokens),
            where,
        )

    def resolve(self, side: str, node: Any, ptr: str = "") -> tuple[Any, str]:
        return d.resolve(self.base if side == "base" else self.head, node, ptr)


def _at(node: Any, tokens: tuple) -> Any:
    for token in tokens:
        node = d.mapping(node).get(token) if isinstance(token, str) else d.sequence(node)[token]
    return node


def show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def absent(value: Any) -> str:
    """A keyword's value for a message, `(none)` when the keyword is not there."""
    return "(none)" if value is None else show(value)


def number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None
