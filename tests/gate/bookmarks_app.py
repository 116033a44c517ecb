"""A plain Flask "bookmarks" API with a spec written by hand (`bookmarks_openapi.yaml`), keys in the query.

No framework documents it: the spec is a file its authors keep, as apps with hand-written specs (or
flask-apispec ones) have. It declares two `apiKey` schemes and its operations use one, `api_key` in the
query; the gate places a key from `--api-key-env` there. Two keys exist (`KEYS`), each sees its own
bookmarks. `PLANTED_BUGS` are planted one at a time.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException

SPEC = Path(__file__).with_name("bookmarks_openapi.yaml")
# The two API keys and whose they are (the tests export them as the gate reads them).
KEYS = {"key-of-cat-0001": "cat", "key-of-dog-0002": "dog"}
MAX_URL = 200
PLANTED_BUGS = ("any-key-reads-any-bookmark", "list-ignores-key", "crash-on-longest-url")


def create_app(bug: str | None = None, *, public: bool = False) -> Flask:
    """The bookmarks API; `bug` plants one of `PLANTED_BUGS`; `public` needs no key (everyone is `cat`)."""
    if bug is not None and bug not in PLANTED_BUGS:
        raise ValueError(f"Unknown bug {bug!r}; choose one of {PLANTED_BUGS}")
    app = Flask(__name__)
    bookmarks: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    def error(status: int, message: str) -> tuple[dict[str, str], int]:
        return {"message": message}, status

    def owner() -> str | None:
        return "cat" if public else KEYS.get(request.args.get("api_key", ""))

    @app.errorhandler(HTTPException)
    def envelope(exc: HTTPException) -> Any:
        """Werkzeug's own errors (404, 405 with its `Allow`) in the spec's envelope."""
        response = exc.get_response()
        response.set_data(json.dumps({"message": exc.description or exc.name}))
        response.content_type = "application/json"
        return response

    @app.get("/bookmarks")
    def list_bookmarks() -> Any:
        name = owner()
        shared = bug == "list-ignores-key"
        if name is None and not shared:
            return error(401, "Send a valid api_key query parameter.")
        return [{"id": b["id"], "url": b["url"]} for b in bookmarks.values() if shared or b["owner"] == name]

    @app.post("/bookmarks")
    def create_bookmark() -> Any:
        name = owner()
        if name is None:
            return error(401, "Send a valid api_key query parameter.")
        if not request.is_json:
            return error(415, "Send the body as application/json.")
        try:
            body = json.loads(request.get_data())
        except (ValueError, RecursionError):
            return error(400, "The body is not valid JSON.")
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not 1 <= len(url) <= MAX_URL or set(body) != {"url"}:
            return error(422, f"Send {{'url': a string of 1 to {MAX_URL} characters}} and nothing else.")
        if bug == "crash-on-longest-url" and len(url) == MAX_URL:
            raise IndexError("url column full")
        bookmark = {"id": next(ids), "url": url, "owner": name}
        bookmarks[bookmark["id"]] = bookmark
        return {"id": bookmark["id"], "url": url}, 201

    @app.get("/bookmarks/<int:bookmark_id>")
    def get_bookmark(bookmark_id: int) -> Any:
        name = owner()
        if name is None:
            return error(401, "Send a valid api_key query parameter.")
        bookmark = bookmarks.get(bookmark_id)
        if bookmark is None or (bug != "any-key-reads-any-bookmark" and bookmark["owner"] != name):
            return error(404, f"Bookmark {bookmark_id} does not exist.")
        return {"id": bookmark["id"], "url": bookmark["url"]}

    return app


def create_public_app() -> Flask:
    """The same API open to everyone, as `public_spec` documents it: no securitySchemes, no 401."""
    return create_app(public=True)


def public_spec() -> dict[str, Any]:
    """The hand-written spec without its security: what a public API publishes."""
    import yaml

    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    del document["security"], document["components"]["securitySchemes"]
    for item in document["paths"].values():
        for operation in item.values():
            operation["responses"].pop("401", None)
    return document
