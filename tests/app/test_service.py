"""The documents and probes around the API: `/openapi.json`, the `/docs` UI (no CDN), and `/healthz`."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from app import create_app


class _AssetCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


def test_openapi_json_describes_every_route(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/auth/register", "/api/auth/login", "/api/todos", "/api/todos/{todo_id}", "/healthz"} <= set(
        spec["paths"]
    )
    assert "Error" in spec["components"]["schemas"]


def test_docs_page_and_its_assets_are_served_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/openapi.json" in html
    # No absolute or protocol-relative URL: the page must work without internet access.
    assert not re.search(r"(https?:)?//[\w.-]+\.[a-z]{2,}", html), html
    collector = _AssetCollector()
    collector.feed(html)
    scripts = [url for url in collector.urls if url.endswith(".js")]
    styles = [url for url in collector.urls if url.endswith(".css")]
    assert scripts and styles, collector.urls
    for url in collector.urls:
        assert url.startswith("/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.data) > 1000, url
        expected = "text/css" if url.endswith(".css") else "javascript"
        assert expected in asset.mimetype, (url, asset.mimetype)


def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path, expect_error):
    # A directory is not a database file: every connection attempt fails.
    broken = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}"})
    body = expect_error(broken.test_client().get("/healthz"), 503)
    assert "database" in body["message"]


def test_an_unexpected_failure_is_a_500_envelope_that_hides_the_details(app, expect_error, caplog):
    def crash():
        raise RuntimeError("secret internals")

    app.add_url_rule("/crash-for-test", view_func=crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production instead of raising into the test
    body = expect_error(app.test_client().get("/crash-for-test"), 500)
    assert "secret internals" not in body["message"]
    assert "secret internals" in caplog.text  # but the log keeps them
