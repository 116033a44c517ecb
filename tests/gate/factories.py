"""App factories and auth hooks the gate's tests name as `module:attribute` strings, like a user would."""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask

from contract_tests import Credentials


class FactoryFailed(RuntimeError):
    pass


def broken_factory() -> Flask:
    """A factory whose app cannot start (a missing setting, say)."""
    raise FactoryFailed("SECRET_KEY is not set")


def exiting_factory() -> Flask:
    """A factory that gives up the way scripts do, with sys.exit and a message."""
    raise SystemExit("DATABASE_PASSWORD must be set")


def app_with_init_db() -> Flask:
    """A flaskr-style app: its `init-db` command records the environment it ran in."""
    app = Flask(__name__)
    app.config["SEEN"] = {"factory": _gate_settings()}

    @app.cli.command("init-db")
    def init_db() -> None:
        app.config["SEEN"]["init-db"] = _gate_settings()

    return app


def app_whose_init_db_fails() -> Flask:
    app = Flask(__name__)

    @app.cli.command("init-db")
    def init_db() -> None:
        raise click.ClickException("database is locked")

    return app


def _gate_settings() -> dict[str, str | None]:
    names = ("DATABASE_URL", "PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_COST")
    return {name: os.environ.get(name) for name in names}


# An app object rather than a factory: `module:app` is accepted too.
ready_app = Flask("ready")
not_callable = 42


def static_key_hook(client: Any, identity: str) -> Credentials:
    return Credentials(headers={"X-API-Key": f"key-{identity}"}, expires_in=60)


class CountingHook:
    """A class hook: the gate makes one instance per run."""

    instances = 0

    def __init__(self) -> None:
        type(self).instances += 1

    def __call__(self, client: Any, identity: str) -> dict[str, str]:
        return {"X-API-Key": identity}


def refusing_hook(client: Any, identity: str) -> dict[str, str]:
    """A user's hook whose sign-in breaks with an error of its own kind."""
    raise KeyError("access_token")


def alice_only_hook(client: Any, identity: str) -> dict[str, str]:
    """Signs `alice` in on the books API, but not `bob`: the gate runs, and reports bob's sign-ins."""
    from tests.gate.other_app import api_key_auth

    if identity != "alice":
        raise RuntimeError(f"no account for {identity}")
    return api_key_auth(client, identity)


def app_with_a_hard_coded_database() -> Flask:
    """An app that ignores DATABASE_URL: whatever the gate sets, it opens its own file."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///hard-coded.sqlite3"
    return app


def app_that_uses_database_url() -> Flask:
    """An app that takes DATABASE_URL from the environment, as the gate expects."""
    app = Flask(__name__)
    app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return app


def books_app_serving_its_spec() -> Flask:
    """The books API publishing its own spec at /openapi.json (what `--spec /openapi.json` reads)."""
    from tests.gate.other_app import create_app

    app = create_app()
    document = app.extensions["books_api"].spec.to_dict()
    app.add_url_rule("/openapi.json", "openapi_json", lambda: document)
    return app
