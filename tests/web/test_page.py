"""The browser page at `/`: served with its own assets, locked down by its CSP, and outside the contract."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

ASSET = re.compile(r'(?:src|href)="([^"]*/web/static/[^"]+)"')


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


def test_page_and_every_asset_it_names_are_served(client: FlaskClient):
    page = client.get("/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = _assets(html)
    assert {url.split("?")[0].rsplit("/", 1)[1] for url in assets} == {
        "favicon.svg",
        "todo-app.css",
        "todo-app.js",
    }
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get_data(), url


def test_page_script_is_the_bundled_typed_client(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    (script_url,) = [url for url in _assets(html) if ".js" in url]
    script = client.get(script_url)
    assert script.mimetype in {"text/javascript", "application/javascript"}
    body = script.get_data(as_text=True)
    assert "Do not edit" in body.splitlines()[1]
    for path in ("/api/auth/register", "/api/auth/login", "/api/todos", "/api/todos/{todo_id}"):
        assert f'"{path}"' in body, f"the page's script never calls {path}"


def test_page_allows_only_its_own_origin_and_no_inline_code(client: FlaskClient):
    page = client.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    html = page.get_data(as_text=True)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert inline_scripts == [], "inline <script> would be blocked by the CSP"
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers would be blocked by the CSP"
    assert "http://" not in html and "https://" not in html, "the page loads nothing from another origin"


def test_asset_urls_carry_a_content_version(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    for url in _assets(html):
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url


def test_page_follows_the_mount_point(client: FlaskClient):
    html = client.get("/", base_url="http://localhost/todo").get_data(as_text=True)
    assert 'data-api-base="/todo"' in html
    assert all(url.startswith("/todo/web/static/") for url in _assets(html))


def test_page_is_not_part_of_the_api_contract(app: Flask):
    paths = app.extensions["api"].spec.to_dict()["paths"]
    assert "/" not in paths
    assert not [path for path in paths if path.startswith("/web/")]


def test_missing_asset_is_a_404_in_the_error_envelope(client: FlaskClient):
    response = client.get("/web/static/no-such-file.js")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404
