"""flask-smorest, adjusted so that the document it generates tells the truth about the running app."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import flask_smorest
from flask import current_app, request
from flask_smorest import abort
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from app.errors import ERROR_DOCS, ErrorSchema, error_payload
from app.request_id import RequestIdHeader
from app.schemas.validators import UniqueItems

JSON = "application/json"

logger = logging.getLogger(__name__)


class StrictJsonParser(FlaskParser):
    """webargs' parser, plus a 400 for JSON that parses into trouble (huge integers, deep nesting)."""

    def _handle_invalid_json_error(self, error: Exception, req: Any, *args: Any, **kwargs: Any) -> Any:
        abort(400, message=f"The body is not valid JSON: {error}", errors={"json": ["Invalid JSON body."]})

    def _raw_load_json(self, req: Any) -> Any:
        _refuse_truncated_stream(req)
        if not is_json_request(req):
            return missing
        # A body that is not UTF-8 raises UnicodeDecodeError, which webargs hands to the hook above.
        text = _read_body(req).decode("utf-8")
        try:
            # Python's json takes NaN and Infinity, which JSON (RFC 8259) does not have.
            return json.loads(text, parse_constant=_refuse_constant)
        except json.JSONDecodeError:
            raise  # webargs reads an empty body as a missing one, anything else goes to the hook above
        except (ValueError, RecursionError) as exc:  # int digit limit, nesting depth, NaN/Infinity
            self._handle_invalid_json_error(exc, req)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _read_body(req: Any) -> bytes:
    """The body, or a 400 when the server cannot decode it (e.g. a chunk size that is not hexadecimal).

    The WSGI server decodes `Transfer-Encoding: chunked` lazily, while the app reads, and raises its own
    exception types (gunicorn's `InvalidChunkSize`, `ChunkMissingTerminator`); any of them means the
    request is malformed, not that the app failed. Werkzeug's own HTTP errors (413, disconnects) pass through.
    """
    try:
        return req.get_data(cache=True)
    except HTTPException:
        raise
    except Exception as exc:  # whatever the server raises, the body is unreadable
        logger.info("Unreadable request body: %r", exc)
        abort(400, message=f"The request body could not be read: {exc}", errors={"json": ["Malformed body."]})
    return b""  # not reached: abort raises


def _refuse_truncated_stream(req: Any) -> None:
    """413 for a body without Content-Length (chunked) that goes past MAX_CONTENT_LENGTH.

    Werkzeug stops reading such a body at the limit and hands back the first bytes as if they were all of
    it, so an oversize body would be parsed (and maybe accepted) instead of refused.
    """
    limit = req.max_content_length
    if limit is None or req.content_length is not None:
        return
    if len(_read_body(req)) >= limit and req.environ["wsgi.input"].read(1):
        abort(413, message=f"The request body is larger than {limit} bytes.")


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose JSON bodies are JSON only (415 otherwise) and whose input errors are documented."""

    ARGUMENTS_PARSER = StrictJsonParser()

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Callable:
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return lambda func: self.errors(422)(decorator(func))

        def json_only(func: Callable) -> Callable:
            parsed = decorator(func)

            @functools.wraps(parsed)
            def wrapper(*args: Any, **kw: Any) -> Any:
                if not request.is_json:
                    abort(
                        415,
                        message=f"Send the body as {JSON} (got {request.mimetype or 'no Content-Type'}).",
                    )
                return parsed(*args, **kw)

            return self.errors(400, 413, 415, 422)(wrapper)

        return json_only

    def errors(self, *codes: int) -> Callable:
        """Document error statuses with the error envelope, once each, however many decorators ask."""

        def decorator(func: Callable) -> Callable:
            documented = func.__dict__.setdefault("_documented_errors", set())
            for code in sorted(set(codes) - documented):
                description, headers = ERROR_DOCS[code]
                func = self.alt_response(
                    code, schema=ErrorSchema, description=description, headers=headers or None
                )(func)
                documented.add(code)
            return func

        return decorator


class Api(flask_smorest.Api):
    """The API object: our error envelope for every HTTP error, and no catch-all `default` response."""

    ERROR_SCHEMA = ErrorSchema
    # `default` would match any status, so an undocumented status could never be reported.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: Any) -> Any:
        payload = error_payload(error)
        if (error.code or 500) >= 500:
            original = getattr(error, "original_exception", None)
            if original is not None:  # a crash: its traceback goes to the log, never to the client
                current_app.logger.error("Request failed: %s", error, exc_info=original)
            else:  # a deliberate 5xx (a 503 to retry), whose cause the code that chose it has logged
                current_app.logger.info("Answered %s: %s", error.code, payload[0]["message"])
        return payload

    def init_app(self, app: Any, **kwargs: Any) -> None:
        super().init_app(app, **kwargs)
        app.after_request(_no_content_type_without_content)

    def _init_spec(self, **kwargs: Any) -> None:
        request_id = RequestIdHeader(self.config["REQUEST_ID_HEADER"])
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), request_id]
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(unique_items_attribute)

    def _register_pagination_header(self) -> None:
        """Pagination travels in documented X-* headers, so flask-smorest's unused schema stays out."""


def _no_content_type_without_content(response: Any) -> Any:
    """A 204 has no body, so it has no media type either."""
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


def unique_items_attribute(self: Any, field: Any, **kwargs: Any) -> dict[str, Any]:
    """Document our UniqueItems validator as `uniqueItems`, which apispec does not know."""
    if any(isinstance(v, UniqueItems) for v in getattr(field, "validators", ())):
        return {"uniqueItems": True}
    return {}
