"""The browser page at `/`: a client of the API, kept out of the OpenAPI document because it is not API."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Blueprint, Response, make_response, render_template, request, url_for

STATIC_DIR = Path(__file__).parent / "static"

# Everything the page loads comes from this origin; no inline script or style is needed or allowed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

bp = Blueprint(
    "web",
    __name__,
    static_folder="static",
    static_url_path="/web/static",
    template_folder="templates",
)


@functools.cache
def _fingerprint(filename: str, modified_ns: int) -> str:
    """A content hash for cache busting, so a browser never runs a stale script against a newer API."""
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """URL of one of the page's static files, versioned by its content (rebuilt files get a new URL)."""
    modified_ns = (STATIC_DIR / filename).stat().st_mtime_ns
    return url_for("web.static", filename=filename, v=_fingerprint(filename, modified_ns))


@bp.get("/")
def index() -> Response:
    """The page; its script calls the API on the same origin (under the app's mount point, if any)."""
    html = render_template("web/index.html", asset_url=asset_url, api_base=request.script_root)
    response = make_response(html)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.after_request
def _harden(response: Response) -> Response:
    """The page's own policy; the app adds the other security headers to every response."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response
