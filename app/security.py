"""Security headers on every response: no sniffing, no framing, no referrer, and a CSP that fits the body.

JSON gets a policy that loads nothing. An HTML page that did not set its own policy (the Swagger UI page,
rendered by flask-smorest with one inline script whose text depends on the settings) gets
`HTML_CONTENT_SECURITY_POLICY` with the SHA-256 of each inline script it carries, so that script runs and
no injected one does. A page that sets its own policy keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app

# An inline <script> is one without a src attribute; its hash covers exactly the text between the tags.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def init_app(app: Flask) -> None:
    """Add the headers to every response the app sends, error pages and static files included."""
    app.after_request(_add_security_headers)


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions (`'sha256-...'`) for each inline script of an HTML document."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def _add_security_headers(response: Response) -> Response:
    config = current_app.config
    for name, value in config["SECURITY_HEADERS"].items():
        response.headers.setdefault(name, value)
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = _policy_for(response)
    return response


def _policy_for(response: Response) -> str:
    config = current_app.config
    if response.mimetype != "text/html" or response.direct_passthrough:
        return config["CONTENT_SECURITY_POLICY"]
    hashes = " ".join(inline_script_hashes(response.get_data()))
    return config["HTML_CONTENT_SECURITY_POLICY"].format(script_hashes=hashes).replace(" ;", ";").strip()
