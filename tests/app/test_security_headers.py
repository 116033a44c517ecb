"""Every response carries the security headers; /docs gets a CSP that lets exactly its own script run."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.security import inline_script_hashes

FIXED = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
PATHS = [
    ("get", "/"),
    ("get", "/docs"),
    ("get", "/docs/assets/swagger-ui.css"),
    ("get", "/openapi.json"),
    ("get", "/healthz"),
    ("get", "/api/todos"),  # 401
    ("get", "/api/todos/999999"),  # 401 without a token
    ("delete", "/openapi.json"),  # 405
    ("get", "/nope"),  # 404
    ("post", "/api/auth/login"),  # 415
]


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize(("method", "path"), PATHS, ids=[f"{m.upper()} {p}" for m, p in PATHS])
def test_every_response_has_the_security_headers(client: FlaskClient, method: str, path: str):
    response = getattr(client, method)(path)
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (path, response.status_code, name)
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"], (path, policy)
    assert policy["default-src"] == ["'none'"], (path, policy)


def test_json_responses_load_nothing(client: FlaskClient):
    response = client.get("/openapi.json")
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy.keys() == {"default-src", "frame-ancestors"}


def test_the_page_keeps_its_own_policy(client: FlaskClient):
    from app.web import CONTENT_SECURITY_POLICY

    assert client.get("/").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def _docs_policy(client: FlaskClient) -> tuple[str, dict[str, list[str]]]:
    page = client.get("/docs")
    assert page.status_code == 200
    return page.get_data(as_text=True), _directives(page.headers["Content-Security-Policy"])


def test_docs_policy_allows_its_inline_script_by_hash_and_nothing_else(client: FlaskClient):
    html, policy = _docs_policy(client)
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(inline) == 1, "flask-smorest's Swagger UI page has one inline script"
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["connect-src"] == ["'self'"], "Swagger UI fetches the spec from this origin"


def test_everything_the_docs_page_loads_is_local_and_served(client: FlaskClient):
    html, _policy = _docs_policy(client)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, html
    for url in urls:
        assert url.startswith("/"), f"{url} is not on this origin, the CSP would block it"
        assert client.get(url).status_code == 200, url


def test_docs_hash_follows_the_rendered_script(app_config: dict[str, Any]):
    """The inline script embeds settings: a different Swagger UI config must give a different hash."""
    changed = create_app({**app_config, "OPENAPI_SWAGGER_UI_CONFIG": {"deepLinking": True}})
    default = create_app(app_config)
    first, second = (_docs_policy(a.test_client())[1]["script-src"] for a in (default, changed))
    assert first != second


def test_inline_script_hashes_skip_external_scripts():
    html = b'<script src="/a.js"></script><script type="module">run()</script><SCRIPT>x</SCRIPT >'
    expected = [base64.b64encode(hashlib.sha256(b).digest()).decode() for b in (b"run()", b"x")]
    assert inline_script_hashes(html) == [f"'sha256-{d}'" for d in expected]


def test_headers_are_configurable(app_config: dict[str, Any]):
    custom = create_app({**app_config, "SECURITY_HEADERS": {"X-Frame-Options": "SAMEORIGIN"}})
    response = custom.test_client().get("/healthz")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Referrer-Policy" not in response.headers


def test_a_view_can_set_its_own_header(app: Flask):
    @app.get("/framable")
    def framable() -> Any:
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN"}

    assert app.test_client().get("/framable").headers["X-Frame-Options"] == "SAMEORIGIN"
