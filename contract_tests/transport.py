"""Small adaptations of Schemathesis 4.32: its WSGI transport for follow-up probes, one string format."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.transport.wsgi import WSGI_TRANSPORT

# Socket-level options: Schemathesis drops them when a `requests.Session` is passed, but a check's
# follow-up request (ignored_auth's re-send, object-level authorization's peer probe) carries them
# without one, and Werkzeug's test client rejects them with a TypeError (seen with 4.32.5).
SOCKET_OPTIONS = ("max_redirects", "verify", "cert", "proxies")
_MARKER = "_contract_gate_shim"


def install_wsgi_shim() -> None:
    """Make the WSGI transport ignore socket-level options (idempotent, process-wide)."""
    if getattr(WSGI_TRANSPORT.send, _MARKER, False):
        return
    original: Callable[..., Any] = WSGI_TRANSPORT.send

    @functools.wraps(original)
    def send(case: Any, *, session: Any = None, **kwargs: Any) -> Any:
        for name in SOCKET_OPTIONS:
            kwargs.pop(name, None)
        return original(case, session=session, **kwargs)

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
