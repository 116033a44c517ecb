"""Throttling: sign-in per account and per address, registration per address, API use per token.

flask-limiter builds the storage (`memory://`, or Redis so that every gunicorn worker shares one count) and
the strategy from the settings; the views count an attempt where its key is known: after the body is
validated (the username) and after the token is verified (its id), so neither a malformed request nor a
forged token makes a key. Over a limit the request gets a 429 in the error envelope with `Retry-After`.
If the storage cannot be reached the request goes through (logged): the service stays up without its
throttle rather than refusing every sign-in.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_smorest import abort
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import ConfigError

logger = logging.getLogger(__name__)

EXTENSION = "todo-throttle"


@dataclass(frozen=True, slots=True)
class Rule:
    """One throttled kind of request: the setting that holds its limits, and what a 429 tells the client."""

    setting: str
    refusal: str


LOGIN_PER_ACCOUNT = Rule("RATELIMIT_LOGIN_PER_ACCOUNT", "Too many sign-in attempts for this username")
LOGIN_PER_ADDRESS = Rule("RATELIMIT_LOGIN_PER_ADDRESS", "Too many sign-in attempts from this address")
REGISTER_PER_ADDRESS = Rule("RATELIMIT_REGISTER_PER_ADDRESS", "Too many registrations from this address")
API_PER_TOKEN = Rule("RATELIMIT_API_PER_TOKEN", "Too many requests with this access token")
RULES = (LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS, REGISTER_PER_ADDRESS, API_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class Throttle:
    """The app's limiter and its parsed limits, kept per app so that two apps never share counters."""

    limiter: Limiter
    prefix: str
    limits: dict[Rule, tuple[RateLimitItem, ...]]

    def hit(self, rule: Rule, key: str) -> None:
        """Count one request against every limit of `rule` for `key`; a 429 once one is exceeded."""
        if not self.limiter.enabled:
            return
        for item in self.limits[rule]:
            identifiers = (self.prefix, rule.setting, key)
            try:
                allowed = self.limiter.limiter.hit(item, *identifiers)
            except StorageError as exc:
                logger.error("Rate limit storage failed; %s is not throttled: %r", rule.setting, exc)
                return
            if not allowed:
                seconds = self._retry_after(item, identifiers)
                abort(
                    429,
                    message=f"{rule.refusal} ({item}); retry in {seconds} s.",
                    headers={"Retry-After": str(seconds)},
                )

    def clear(self, rule: Rule, key: str) -> None:
        """Forget what `key` has used of `rule` (a successful sign-in clears the account's failures)."""
        if not self.limiter.enabled:
            return
        for item in self.limits[rule]:
            try:
                self.limiter.limiter.clear(item, self.prefix, rule.setting, key)
            except StorageError as exc:
                logger.error("Rate limit storage failed; %s was not cleared: %r", rule.setting, exc)

    def _retry_after(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> int:
        """Whole seconds until the window frees a request: never 0, which would invite an instant retry."""
        try:
            reset_at = self.limiter.limiter.get_window_stats(item, *identifiers).reset_time
        except StorageError:
            return item.get_expiry()
        return max(1, math.ceil(reset_at - time.time()))


def init_app(app: Flask) -> None:
    """Trust the configured proxies for the client address, then build the limiter from the settings."""
    config = app.config
    if config["TRUSTED_PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config["TRUSTED_PROXY_COUNT"])  # type: ignore[method-assign]
    storage_options: dict[str, str | int | float | bool] = {"wrap_exceptions": True}
    if config["RATELIMIT_STORAGE_URL"].startswith(("redis://", "rediss://", "redis+unix://")):
        # A stalled Redis must not hold sign-ins for long: give up after a second and let them through.
        storage_options |= {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    try:
        limiter = Limiter(
            client_address,
            app=app,
            storage_uri=config["RATELIMIT_STORAGE_URL"],
            storage_options=storage_options,  # type: ignore[arg-type]
            strategy=config["RATELIMIT_STRATEGY"],
            enabled=config["RATELIMIT_ENABLED"],
        )
    except ConfigurationError as exc:
        raise ConfigError(f"RATELIMIT_STORAGE_URL or RATELIMIT_STRATEGY is not usable: {exc}") from exc
    app.extensions[EXTENSION] = Throttle(
        limiter, config["RATELIMIT_KEY_PREFIX"], {rule: _parse(config, rule) for rule in RULES}
    )


def _parse(config: dict, rule: Rule) -> tuple[RateLimitItem, ...]:
    text = config[rule.setting]
    try:
        items = tuple(parse_many(text))
    except ValueError as exc:
        raise ConfigError(
            f"{rule.setting} must be limits like '10 per 15 minutes' (several joined with ';'), got {text!r}"
        ) from exc
    if not items:
        raise ConfigError(f"{rule.setting} is empty; to turn throttling off set RATELIMIT_ENABLED=false")
    return items


def current_throttle() -> Throttle:
    """The current app's throttle."""
    return current_app.extensions[EXTENSION]


def client_address() -> str:
    """The client's address: the peer's, or the one the trusted proxies forwarded (TRUSTED_PROXY_COUNT)."""
    return request.remote_addr or "unknown"


def account_key(username: str) -> str:
    """One key per account whatever the case (`Ada` is `ada`), hashed so the storage holds no usernames."""
    return hashlib.sha256(username.lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]
