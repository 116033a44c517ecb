"""The exact request behind a failure, kept so a replay can send it again before calling anything flaky."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from schemathesis.auths import AuthContext, set_on_case
from schemathesis.checks import CHECKS
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure as CheckFailure
from schemathesis.core.failures import FailureGroup


@dataclass(slots=True)
class SentRequest:
    """A case's parts as sent (plain data, so it crosses process boundaries with the collector)."""

    operation: str
    method: str
    path_parameters: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    cookies: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    media_type: str | None = None

    @classmethod
    def from_case(cls, case: Any) -> SentRequest:
        return cls(
            operation=case.operation.label,
            method=case.method,
            path_parameters=dict(case.path_parameters or {}),
            query=dict(case.query or {}),
            headers=dict(case.headers or {}),
            cookies=dict(case.cookies or {}),
            body=copy.deepcopy(case.body) if case.body is not NOT_SET else None,
            has_body=case.body is not NOT_SET,
            media_type=case.media_type,
        )

    def rebuild(self, schema: Any) -> Any | None:
        """The same request as a case of `schema` (a fresh target), signed in afresh; None if gone."""
        operation = schema.find_operation_by_label(self.operation)
        if operation is None:
            return None
        case = operation.Case(
            method=self.method,
            path_parameters=dict(self.path_parameters),
            query=dict(self.query),
            headers=dict(self.headers),
            cookies=dict(self.cookies),
            body=copy.deepcopy(self.body) if self.has_body else NOT_SET,
            media_type=self.media_type,
        )
        # The recorded credentials belong to the first run's accounts: the same headers, fresh values.
        set_on_case(case, AuthContext(operation=operation, app=operation.app), None)
        return case


@dataclass(slots=True)
class Resent:
    """What re-sending a failing request showed: whether the check failed again, and the response."""

    reproduced: bool
    status_code: int | None = None
    excerpt: str = ""


def resend(
    schema: Any, sent: SentRequest, check: str, excerpt: Any, before: list[SentRequest] | None = None
) -> Resent | None:
    """Send the request again (after `before`, in order) and run the check that failed on it.

    None when it cannot be re-sent (its operation is not in the schema).
    """
    for earlier in before or ():
        step = earlier.rebuild(schema)
        if step is not None:
            step.call()
    case = sent.rebuild(schema)
    if case is None:
        return None
    response = case.call()
    seen = Resent(reproduced=False, status_code=response.status_code, excerpt=excerpt(response))
    if check == "not_a_server_error":
        seen.reproduced = response.status_code >= 500
        return seen
    checks = [item for item in CHECKS.get_all() if getattr(item, "__name__", "") == check]
    if not checks:
        return seen
    try:
        case.validate_response(response, checks=checks)
    except (FailureGroup, CheckFailure):
        seen.reproduced = True
    except Exception:  # a check that needs the run's state (a recorder, earlier responses) cannot judge it
        return seen
    return seen
