"""Small adaptations of Schemathesis 4.32: its WSGI transport (follow-up requests, app errors), one format."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.transport.wsgi import WSGI_TRANSPORT

from contract_tests import applog

# Socket-level options: Schemathesis drops them when a `requests.Session` is passed, but a check's
# follow-up request (ignored_auth's re-send, object-level authorization's peer probe) carries them
# without one, and Werkzeug's test client rejects them with a TypeError (seen with 4.32.5).
SOCKET_OPTIONS = ("max_redirects", "verify", "cert", "proxies")
_MARKER = "_contract_gate_shim"


@dataclass(slots=True)
class RaisedInApp:
    """Exceptions that escaped the in-process app, with the case whose request raised each.

    Schemathesis reports them unevenly (a unit phase's NonFatalError names the operation, a stateful
    scenario may end in error with no event at all), so the transport itself keeps the link.
    """

    by_case: dict[str, BaseException] = field(default_factory=dict)
    cases: dict[int, Any] = field(default_factory=dict)

    def add(self, case: Any, error: BaseException) -> None:
        self.by_case[case.id] = error
        self.cases[id(error)] = case

    def case_of(self, error: BaseException) -> Any:
        return self.cases.get(id(error))

    def clear(self) -> None:
        self.by_case.clear()
        self.cases.clear()


# One per process: the engine sends one request at a time (Schemathesis' workers stay at 1).
RAISED = RaisedInApp()


def install_wsgi_shim() -> None:
    """Make the WSGI transport ignore socket-level options and note what the app raised (idempotent)."""
    if getattr(WSGI_TRANSPORT.send, _MARKER, False):
        return
    original: Callable[..., Any] = WSGI_TRANSPORT.send

    @functools.wraps(original)
    def send(case: Any, *, session: Any = None, **kwargs: Any) -> Any:
        for name in SOCKET_OPTIONS:
            kwargs.pop(name, None)
        with applog.answering(case.id):
            try:
                return original(case, session=session, **kwargs)
            except Exception as exc:
                if not raised_in_app(exc):
                    raise
                RAISED.add(case, exc)
                return server_error(case, exc, kwargs.get("base_url"))

    setattr(send, _MARKER, True)
    WSGI_TRANSPORT.send = send  # type: ignore[method-assign]


# Where an exception starts when it is the gate's or the transport's own, not the app's.
_NOT_THE_APP = ("schemathesis", "requests", "urllib3", f"werkzeug{os.sep}test.py", f"contract_tests{os.sep}")


def raised_in_app(error: BaseException) -> bool:
    """Whether the exception started in the app under test (its innermost frame is not the transport's)."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    filename = tb.tb_frame.f_code.co_filename
    return not any(f"{os.sep}{part}" in filename for part in _NOT_THE_APP)


def server_error(case: Any, error: BaseException, base_url: str | None) -> Any:
    """The 500 a WSGI server sends when an exception escapes the app, as Schemathesis' response.

    Schemathesis raises such exceptions instead: a unit phase reports them, but a stateful sequence
    ends in error, and Hypothesis then retries and shrinks it for minutes, each time raising again.
    As a response, every phase judges it with `not_a_server_error` like any 500, with its curl line.
    """
    import requests
    from schemathesis.core.transport import Response
    from schemathesis.python import wsgi
    from schemathesis.transport.prepare import normalize_base_url
    from schemathesis.transport.requests import REQUESTS_TRANSPORT

    body = f"Unhandled exception in the app: {type(error).__name__}: {error}".encode()
    # A spec the app serves itself has no host (no `servers`): give the URL the host the WSGI transport sends.
    origin = normalize_base_url(base_url or case.operation.base_url, host=wsgi.HOST)
    prepared = requests.Request(**REQUESTS_TRANSPORT.serialize_case(case, base_url=origin)).prepare()
    return Response(
        status_code=500,
        headers={"content-type": ["text/plain; charset=utf-8"], "content-length": [str(len(body))]},
        content=body,
        request=prepared,
        elapsed=0.0,
        verify=False,
    )


def install_formats() -> None:
    """Teach Schemathesis apispec's `format: url` (marshmallow's `fields.Url`), generated like `uri`.

    Without it Schemathesis sends arbitrary strings for such fields, which the app rightly rejects, and
    positive_data_acceptance reports the app instead of the generator.
    """
    from hypothesis import provisional
    from schemathesis.specs.openapi.formats import STRING_FORMATS

    if "url" not in STRING_FORMATS:
        schemathesis.openapi.format("url", provisional.urls())
