"""Sign-in is part of the contract: the auth hook's requests to documented operations are checked cases.

When the app's own register or login breaks its contract (a 500, a 422 on a valid body, a dropped field),
that is a failure of that operation, with its check and curl line, not a reason to stop the gate: the
run goes on without credentials, so everything that needs none is still tested. Only a hook whose
requests the API answered as documented, and which still could not sign in, is a misconfigured hook.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from schemathesis.core import NOT_SET

from contract_tests.collector import Found, case_request_key, excerpt, short_curl
from contract_tests.probes import check_response
from contract_tests.report import Failure
from contract_tests.resend import SentRequest
from contract_tests.target import ClientResponse, TargetClient
from contract_tests.transport import RAISED

PHASE = "sign-in"
# Statuses that say a request was malformed: for a body the spec accepts, the app rejected valid input.
# (401, 403 and 409 answer the credentials, which no schema describes.)
REJECTED_INPUT = (400, 422)
# RFC 6749 5.2: a token endpoint refuses wrong credentials with a 400 (or 401) naming one of these.
OAUTH2_CREDENTIAL_ERRORS = ("invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope")
JSON, FORM = "application/json", "application/x-www-form-urlencoded"


class CheckedClient:
    """The hook's client: a request to a documented operation goes out as a Case; its answer is checked."""

    def __init__(self, schema: Any, client: TargetClient, seed: int) -> None:
        self.schema = schema
        self.client = client
        self.seed = seed
        self.found: dict[tuple[str, str, str], Found] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ClientResponse:
        operation = self._operation(method, path)
        if operation is None:  # not in the spec (or templated): nothing to check it against
            return self.client.request(method, path, json=json, data=data, headers=headers)
        body, media_type = (json, JSON) if json is not None else (data, FORM)
        if body is None:
            media_type = None
        case = operation.Case(
            method=method.upper(),
            headers=dict(headers or {}),
            body=body if body is not None else NOT_SET,
            media_type=media_type,
        )
        response = case.call()
        raised = RAISED.by_case.get(case.id)
        if raised is not None:  # the 500 is the transport's: one server error, with the exception's name
            title = f"Unhandled exception in the app: {type(raised).__name__}"
            failures = [("not_a_server_error", title, str(raised))]
        else:
            failures = [(name, found.title, found.message) for name, found in check_response(case, response)]
        if (
            raised is None
            and response.status_code in REJECTED_INPUT
            and body is not None
            and not _refuses_credentials(response)
            and _accepts(operation, body, media_type)
        ):
            failures.append(
                (
                    "positive_data_acceptance",
                    "Schema-valid sign-in request rejected",
                    f"The gate signed in with a body the spec accepts; {operation.label} answered "
                    f"{response.status_code}.",
                )
            )
        for name, title, message in failures:
            self._fail(case, name, title, message, response.status_code, excerpt(response))
        text = response.content.decode("utf-8", errors="replace") if response.content else ""
        flat = {name: values[0] for name, values in response.headers.items() if values}
        return ClientResponse(response.status_code, flat, _json(text), text)

    def _operation(self, method: str, path: str) -> Any:
        parts = urlsplit(path)
        operation = self.schema.find_operation_by_path(method, parts.path)
        if operation is None or parts.query or "{" in operation.path:
            return None
        return operation

    def _fail(self, case: Any, check: str, title: str, message: str, status: int | None, body: str) -> None:
        label = case.operation.label
        key = (check, label, f"sign-in:{title}")
        if key in self.found:
            return
        self.found[key] = Found(
            failure=Failure(
                check=check,
                operation=label,
                title=title,
                message=f"{message}\nSent by the auth hook while signing in.".strip(),
                curl=short_curl(case.as_curl_command()),
                status_code=status,
                response_excerpt=body,
                phase=PHASE,
                seed=self.seed,
            ),
            key=key,
            request=case_request_key(case),
            replay=SentRequest.from_case(case),
        )

    def describe_failures(self) -> str:
        """The operations whose sign-in responses broke the contract, each once."""
        return ", ".join(dict.fromkeys(found.failure.operation for found in self.found.values()))


def _accepts(operation: Any, body: Any, media_type: str | None) -> bool:
    def matches(documented: str) -> bool:
        return "json" in documented if media_type == JSON else documented == media_type

    bodies = [item for item in operation.body if matches(item.media_type)]
    return bool(bodies) and bodies[0].is_valid(body)


def _refuses_credentials(response: Any) -> bool:
    """An OAuth2 token endpoint's 400 `invalid_grant` (RFC 6749 5.2) answers the credentials, not the body."""
    try:
        answer = response.json()
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error") in OAUTH2_CREDENTIAL_ERRORS


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
