"""Log lines: text for a person at a terminal, one JSON object per line for a log shipper in production.

The stdlib's `json` and `logging.Formatter` do the job in a few lines; a library such as
python-json-logger adds field renaming and merging of arbitrary `extra` values, which nothing here needs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

from app.request_id import NO_REQUEST

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and exception when there is one.

    json.dumps escapes newlines, so a multi-line message or a traceback cannot split a record or forge
    the next one.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        entry.update(self.fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """More fields for a kind of record (none here)."""
        return {}


class AccessJsonFormatter(JsonFormatter):
    """gunicorn's access log as JSON: the request's fields from gunicorn's atoms, its id from the response.

    The access line is written after the app has answered, outside any request context, so the id is
    the `X-Request-ID` the app put on the response.
    """

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        atoms = record.args
        if not isinstance(atoms, Mapping):
            return {}
        return {
            "request_id": atoms["{x-request-id}o"],
            "remote_addr": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": _int_or_none(atoms["s"]),
            "bytes": _int_or_none(atoms["B"]),
            "duration_ms": round(int(atoms["D"]) / 1000, 3),
            "user_agent": atoms["a"],
        }


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter that `LOG_FORMAT` (`json` or `text`) names."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, log_format: str) -> None:
    """A stderr handler on the root logger, unless logging is already set up (gunicorn, a test runner)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(log_format))
    root.addHandler(handler)
    root.setLevel(level)


def gunicorn_logconfig(accesslog: str | None, level: str) -> dict[str, Any]:
    """A `logconfig_dict` for gunicorn: its error log, its access log and the app's records, all JSON.

    The root logger gets the JSON handler here, so the app's records (which propagate to it) come out
    as JSON on stderr next to gunicorn's own; `accesslog` is `-` for stdout, a file path, or empty for none.
    """
    if accesslog == "-":
        access: dict[str, Any] = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    elif accesslog:
        access = {"class": "logging.FileHandler", "filename": accesslog}
    else:
        access = {"class": "logging.NullHandler"}
    stderr = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": f"{__name__}.JsonFormatter"},
            "access_json": {"()": f"{__name__}.AccessJsonFormatter"},
        },
        "handlers": {"stderr": stderr, "access": {**access, "formatter": "access_json"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
