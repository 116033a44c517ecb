"""Settings: defaults that work out of the box, overridden by environment variables, then by create_app()."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

Number = TypeVar("Number", int, float)

DEV_SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ENVIRONMENTS = ("development", "production", "testing")
LOG_FORMATS = ("json", "text")


# Throttling settings, each overridden by the environment variable of its name. Limits are in the `limits`
# notation ("10 per 15 minutes"); several are joined with ";" ("5 per minute; 20 per hour").
RATELIMIT_DEFAULTS = {
    # memory:// counts in each worker process; redis://host:port/db counts once for all of them.
    "RATELIMIT_STORAGE_URL": "memory://",
    "RATELIMIT_STRATEGY": "fixed-window",
    "RATELIMIT_KEY_PREFIX": "todo",
    # Sign-in attempts for one username (in any case, known or not), whoever sends them; a success clears it.
    "RATELIMIT_LOGIN_PER_ACCOUNT": "10 per 15 minutes",
    # Sign-in attempts from one client address, for any usernames (many people may share one NAT).
    "RATELIMIT_LOGIN_PER_ADDRESS": "60 per 15 minutes",
    "RATELIMIT_REGISTER_PER_ADDRESS": "10 per hour",
    # Every request made with one bearer token: far above what a person or the web page does.
    "RATELIMIT_API_PER_TOKEN": "600 per minute",
}


class ConfigError(RuntimeError):
    """Raised when the settings would make the service unsafe or unable to start."""


def project_version() -> str:
    """The installed project's version, which is also the API's `info.version`."""
    try:
        return metadata.version("todo-contract")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def _int_env(name: str, default: int) -> int:
    return _number_env(name, default, int, "an integer")


def _float_env(name: str, default: float) -> float:
    return _number_env(name, default, float, "a number")


def _number_env(name: str, default: Number, parse: Callable[[str], Number], kind: str) -> Number:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be {kind}, got {raw!r}") from exc


def default_log_format(app_env: str) -> str:
    """`LOG_FORMAT` when set, else JSON lines in production (for log shippers) and text elsewhere.

    gunicorn.conf.py reads it too, so the server's own log lines match the app's.
    """
    return os.environ.get("LOG_FORMAT") or ("json" if app_env == "production" else "text")


def _bool_env(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false (or 1/0), got {raw!r}")


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs, which SQLAlchemy maps to psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, environment variables and explicit overrides, then refuse unsafe combinations."""
    env = os.environ
    settings: dict[str, Any] = {
        "APP_ENV": env.get("APP_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "DATABASE_URL": env.get("DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "todo.sqlite3"),
        "MAX_CONTENT_LENGTH": _int_env("MAX_CONTENT_LENGTH", 64 * 1024),
        "TOKEN_TTL_SECONDS": _int_env("TOKEN_TTL_SECONDS", 3600),
        "PASSWORD_HASH_TIME_COST": _int_env("PASSWORD_HASH_TIME_COST", 3),
        "PASSWORD_HASH_MEMORY_COST": _int_env("PASSWORD_HASH_MEMORY_COST", 64 * 1024),
        # Bounds on every wait for the database, so a slow or silent server is a quick 503, not a hang
        # (app/database.py). libpq and psycopg treat a connect timeout below 2 s as 2 s.
        "DATABASE_CONNECT_TIMEOUT": _int_env("DATABASE_CONNECT_TIMEOUT", 3),
        "DATABASE_STATEMENT_TIMEOUT_MS": _int_env("DATABASE_STATEMENT_TIMEOUT_MS", 5000),
        "DATABASE_LOCK_TIMEOUT_MS": _int_env("DATABASE_LOCK_TIMEOUT_MS", 3000),
        "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS": _int_env("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60000),
        # Waiting for a free pooled connection when every one is in use.
        "DATABASE_POOL_TIMEOUT": _float_env("DATABASE_POOL_TIMEOUT", 2.0),
        "DATABASE_RETRY_AFTER_SECONDS": _int_env("DATABASE_RETRY_AFTER_SECONDS", 5),
        # How long a SQLite writer waits for its turn in the process, then for another's lock (each a 503).
        "SQLITE_BUSY_TIMEOUT_MS": _int_env("SQLITE_BUSY_TIMEOUT_MS", 5000),
        # /healthz answers within this, whatever the database does (app/health.py).
        "HEALTHZ_TIMEOUT_SECONDS": _float_env("HEALTHZ_TIMEOUT_SECONDS", 0.5),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        # Throttling (app/throttle.py): on unless RATELIMIT_ENABLED is false or 0.
        "RATELIMIT_ENABLED": _bool_env("RATELIMIT_ENABLED", True),
        **{name: env.get(name) or default for name, default in RATELIMIT_DEFAULTS.items()},
        # Proxies in front of the app whose X-Forwarded-For is trusted for the client address (0: none).
        "TRUSTED_PROXY_COUNT": _int_env("TRUSTED_PROXY_COUNT", 0),
        # Taken from the request when sane, else generated; echoed and logged (app/request_id.py).
        "REQUEST_ID_HEADER": "X-Request-ID",
        "REQUEST_ID_MAX_LENGTH": _int_env("REQUEST_ID_MAX_LENGTH", 128),
        # Sent on every response unless the view set them (app/security.py).
        "SECURITY_HEADERS": {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
        # JSON and other non-HTML bodies load nothing and may not be framed.
        "CONTENT_SECURITY_POLICY": "default-src 'none'; frame-ancestors 'none'",
        # HTML without its own policy (Swagger UI at /docs): local files, its inline script by hash, inline
        # styles (Swagger UI sets some), data: images (its CSS icons), the spec fetched from this origin.
        "HTML_CONTENT_SECURITY_POLICY": "; ".join(
            (
                "default-src 'none'",
                "script-src 'self' {script_hashes}",
                "style-src 'self' 'unsafe-inline'",
                "img-src 'self' data:",
                "connect-src 'self'",
                "form-action 'none'",
                "base-uri 'none'",
                "frame-ancestors 'none'",
            )
        ),
        # Flask answers OPTIONS by itself unless told not to; the contract lists the methods that exist.
        "PROVIDE_AUTOMATIC_OPTIONS": False,
        "JSON_SORT_KEYS": False,
        # flask-smorest / apispec
        "API_TITLE": "Todo API",
        "API_VERSION": project_version(),
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    if overrides:
        settings.update(overrides)
    if settings.get("TESTING") and "APP_ENV" not in (overrides or {}):
        settings["APP_ENV"] = "testing"
    _check_one_of(settings, "APP_ENV", ENVIRONMENTS)
    if not settings["SECRET_KEY"]:
        if settings["APP_ENV"] == "production":
            raise ConfigError(
                "SECRET_KEY is not set. A production start refuses to run with a guessable key: "
                "set SECRET_KEY to a long random value, e.g. "
                "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        settings["SECRET_KEY"] = DEV_SECRET_KEY
    settings["DATABASE_URL"] = normalize_database_url(settings["DATABASE_URL"])
    if settings["TOKEN_TTL_SECONDS"] <= 0:
        raise ConfigError("TOKEN_TTL_SECONDS must be positive")
    if settings["TRUSTED_PROXY_COUNT"] < 0:
        raise ConfigError("TRUSTED_PROXY_COUNT must be 0 or more")
    settings.setdefault("LOG_FORMAT", default_log_format(settings["APP_ENV"]))
    _check_one_of(settings, "LOG_FORMAT", LOG_FORMATS)
    _check_timeouts(settings)
    return settings


def _check_one_of(settings: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    if settings[name] not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {settings[name]!r}")


# A zero here means "wait forever" to libpq or PostgreSQL, which is the hang these settings exist to stop.
POSITIVE_TIMEOUTS = (
    "DATABASE_CONNECT_TIMEOUT",
    "DATABASE_STATEMENT_TIMEOUT_MS",
    "DATABASE_LOCK_TIMEOUT_MS",
    "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS",
    "DATABASE_POOL_TIMEOUT",
    "SQLITE_BUSY_TIMEOUT_MS",
    "HEALTHZ_TIMEOUT_SECONDS",
)


def _check_timeouts(settings: dict[str, Any]) -> None:
    for name in POSITIVE_TIMEOUTS:
        if settings[name] <= 0:
            raise ConfigError(f"{name} must be positive (0 means waiting forever), got {settings[name]!r}")
    if settings["DATABASE_RETRY_AFTER_SECONDS"] < 0:
        raise ConfigError("DATABASE_RETRY_AFTER_SECONDS must be 0 or more")
