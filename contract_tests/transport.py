"""Small adaptations of Schemathesis 4.32: its WSGI transport (follow-up requests, app errors), one format."""

from __future__ import annotations

import functools
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
        applog.tag(case.id)
        try:
            return original(case, session=session, **kwargs)
        except Exception as exc:
            RAISED.add(case, exc)
            raise
        finally:
            applog.tag(None)

    setattr(send, _MARKER, True)
    WSGI_TRANSPORT.send = send  # type: ignore[method-assign]


def install_formats() -> None:
    """Teach Schemathesis apispec's `format: url` (marshmallow's `fields.Url`), generated like `uri`.

    Without it Schemathesis sends arbitrary strings for such fields, which the app rightly rejects, and
    positive_data_acceptance reports the app instead of the generator.
    """
    from hypothesis import provisional
    from schemathesis.specs.openapi.formats import STRING_FORMATS

    if "url" not in STRING_FORMATS:
        schemathesis.openapi.format("url", provisional.urls())
