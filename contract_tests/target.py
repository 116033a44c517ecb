"""What the gate tests: a WSGI app built fresh for the run (or a server's URL), and the published spec."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from contract_tests.defaults import (
    APP_ENVIRONMENT,
    CHEAP_PASSWORD_HASHING,  # noqa: F401 - re-exported: tests and benches start servers with it
    DEFAULT_APP,
    DEFAULT_SPEC,
    INIT_DB_COMMAND,
)

if TYPE_CHECKING:  # SQLAlchemy and psycopg (the `postgres` extra) are needed only for --fresh-database
    from contract_tests.databases import FreshDatabases

AppFactory = Callable[[], Any]


class TargetError(RuntimeError):
    """The app, the spec or the server cannot be used; the message says what to do."""


def describe_error(exc: BaseException) -> str:
    """`NameError: name 'User' is not defined (at models.py:54)`: the type, the message, and where.

    The place is the innermost frame of the project the gate runs from (not a library's), so a user whose
    module fails to import or whose factory raises sees which line of theirs to open.
    """
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    here = Path.cwd()
    ours = [frame for frame in frames if _in_project(Path(frame.filename), here)]
    frame = ours[-1] if ours else (frames[-1] if frames else None)
    if frame is None:
        return text
    path = Path(frame.filename)
    shown = path.relative_to(here) if path.is_relative_to(here) else path
    return f"{text} (at {shown}:{frame.lineno})"


def _in_project(path: Path, here: Path) -> bool:
    return path.is_relative_to(here) and "site-packages" not in path.parts


@dataclass(slots=True)
class ClientResponse:
    """What the auth hook sees of a response: status, headers and the JSON body (None if not JSON)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    text: str


class TargetClient(Protocol):
    """Sends requests to the target the gate tests, in-process or over HTTP (the auth hook uses it).

    `json` sends a JSON body, `data` a form-encoded one (an OAuth2 token request).
    """

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ClientResponse: ...


class WsgiClient:
    """Requests to an in-process WSGI app, through the same middleware stack the gate's cases go through."""

    def __init__(self, app: Any) -> None:
        from werkzeug.test import Client

        self._client = Client(app)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ClientResponse:
        from contract_tests import applog

        with applog.answering(None):
            response = self._client.open(
                path, method=method, json=json, data=data, headers=dict(headers or {})
            )
            text = response.get_data(as_text=True)
        return ClientResponse(response.status_code, dict(response.headers), _parse_json(text), text)


class HttpClient:
    """Requests to a running server (`--base-url`)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        import requests

        self._base_url = base_url.rstrip("/")
        self._session = requests.Session()
        self._timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ClientResponse:
        response = self._session.request(
            method,
            self._base_url + path,
            json=json,
            data=data,
            headers=dict(headers or {}),
            timeout=self._timeout,
        )
        return ClientResponse(
            response.status_code, dict(response.headers), _parse_json(response.text), response.text
        )


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(slots=True)
class Target:
    """A resolved target: the app (None over HTTP), where the spec is, and a client for the auth hook."""

    app: Any | None
    base_url: str | None
    spec: str
    client: TargetClient
    description: str
    # Removes what was made for this target alone: its SQLite file or its PostgreSQL database.
    _cleanup: ExitStack = field(default_factory=ExitStack)
    # What the app (or server) serves at `spec` (`--spec /openapi.json`), fetched once; None for a file/URL.
    document: dict[str, Any] | None = None
    # Exceptions the app raised while handling a request (Flask's got_request_exception), by id.
    server_exceptions: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        try:
            from flask import Flask, got_request_exception
        except ImportError:  # pragma: no cover - Flask is a dependency of the project
            return
        if isinstance(self.app, Flask):
            got_request_exception.connect(self._on_exception, self.app, weak=False)

    def _on_exception(self, sender: Any, exception: BaseException, **_: Any) -> None:
        self.server_exceptions.add(id(exception))

    def close(self) -> None:
        """Dispose of the app's engine, then remove the database made for this target."""
        try:
            from flask import got_request_exception

            got_request_exception.disconnect(self._on_exception, self.app)
        except ImportError:  # pragma: no cover
            pass
        engine = _sqlalchemy_engine(self.app)
        if engine is not None:
            engine.dispose()
        self._cleanup.close()


def resolve_spec(spec: str | os.PathLike[str] | None) -> str:
    """The spec location: the option, else CONTRACT_SPEC, else the published openapi/openapi.json."""
    location = str(spec) if spec is not None else os.environ.get("CONTRACT_SPEC") or str(DEFAULT_SPEC)
    path = Path(location)
    if path == DEFAULT_SPEC and not path.is_file():
        raise TargetError(f"The spec {location} does not exist. Run `make spec` to publish it.")
    if is_url(location) or is_served_path(location):
        return location
    if not path.is_file():
        raise TargetError(f"The spec {location} does not exist.")
    return str(path)


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def is_served_path(location: str) -> bool:
    """`/openapi.json` that is no file here: the path the app serves its spec at, as `from_wsgi` takes it."""
    return location.startswith("/") and not Path(location).is_file()


def fetch_served_spec(client: TargetClient, path: str) -> dict[str, Any]:
    """The document the target serves at `path` (JSON or YAML), through the client the gate tests with."""
    import yaml

    response = client.request("GET", path)
    if response.status != 200:
        raise TargetError(
            f"The spec {path} does not exist as a file, and the app answered GET {path} with "
            f"{response.status}: give a spec file, a URL, or the path the app serves its spec at."
        )
    document = response.body if isinstance(response.body, dict) else _parse_yaml(yaml, response.text)
    if not isinstance(document, dict):
        raise TargetError(f"GET {path} did not answer an OpenAPI document (JSON or YAML object).")
    return document


def _parse_yaml(yaml: Any, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def resolve_target(
    *,
    app: str | AppFactory | None,
    spec: str | os.PathLike[str] | None,
    base_url: str | None,
    database_url: str | None = None,
    fresh_databases: FreshDatabases | None = None,
    init_database: bool = True,
) -> Target:
    """Build the app for this run (its own database, cheap hashing, generous limits) or point at a server.

    `database_url` shares a database instead; `init_database=False` leaves its tables to whoever prepared
    it (the parent process, once, before the gate's processes start).
    """
    location = resolve_spec(spec)
    if base_url:
        if not is_url(base_url):
            raise TargetError(f"--base-url must be an http(s) URL, got {base_url!r}")
        client = HttpClient(base_url)
        served = fetch_served_spec(client, location) if is_served_path(location) else None
        return Target(None, base_url, location, client, f"server {base_url}", document=served)
    choice = app if app is not None else os.environ.get("CONTRACT_APP") or DEFAULT_APP
    cleanup = ExitStack()
    try:
        if database_url is None:
            database_url = cleanup.enter_context(_own_database(fresh_databases))
        with _environment({"DATABASE_URL": database_url, **_unset(APP_ENVIRONMENT)}):
            # Imported here too: a module that builds its app at import time sees the same settings.
            factory, name, ready = _load_factory(choice)
            try:
                built = factory()
            except (Exception, SystemExit) as exc:
                raise TargetError(f"The app factory {name} failed: {describe_error(exc)}") from exc
            if init_database:
                _init_database(built)
        client = WsgiClient(built)
        served = fetch_served_spec(client, location) if is_served_path(location) else None
    except BaseException:
        cleanup.close()
        raise
    state = describe_state(built, database_url, ready=ready)
    return Target(built, None, location, client, f"app {name} (in-process, {state})", cleanup, served)


def describe_state(app: Any, database_url: str, *, ready: bool) -> str:
    """What the report may claim about the app's state: a fresh database only when the app uses it."""
    used = app_database(app)
    if used is not None and not same_database(used, database_url):
        state = f"NOT a fresh database: the app ignores DATABASE_URL and uses {used}"
    elif used is not None:
        state = f"fresh database {database_url}"
    else:
        state = f"DATABASE_URL={database_url} set, but no database of the app's was found to confirm it"
    if ready:
        state += (
            "; a ready app object, not a factory, so not built fresh for this run: "
            "state it holds carries over between runs in one process"
        )
    return state


# Where Flask apps keep their database's address: ours and SQLAlchemy users', Flask-SQLAlchemy's, flaskr's.
DATABASE_SETTINGS = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "DATABASE")


def app_database(app: Any) -> str | None:
    """The database the app talks to: its SQLAlchemy engine's URL, else its configured one, else None."""
    engine = _sqlalchemy_engine(app)
    if engine is not None:
        return engine.url.render_as_string(hide_password=True)
    config = getattr(app, "config", None) or {}
    for name in DATABASE_SETTINGS:
        if config.get(name):
            return str(config[name])
    return None


def same_database(used: str, ours: str) -> bool:
    """The same database whatever the driver or password: compare what follows the host (or the file)."""

    def where(url: str) -> str:
        url = url.split("?", 1)[0]
        if url.startswith("sqlite:///"):
            return str(Path(url.removeprefix("sqlite:///")))
        if "://" not in url:  # a plain file path (flaskr's DATABASE)
            return str(Path(url))
        rest = url.split("://", 1)[1]
        return rest.rpartition("@")[2]

    return where(used) == where(ours)


@contextmanager
def _own_database(fresh_databases: FreshDatabases | None) -> Iterator[str]:
    """A new PostgreSQL database of the run when it has a server, else a temporary SQLite file."""
    if fresh_databases is not None:
        with fresh_databases.database() as url:
            yield url
        return
    tempdir = Path(tempfile.mkdtemp(prefix="contract-gate-"))
    try:
        yield f"sqlite:///{tempdir / 'contract.sqlite3'}"
    finally:
        shutil.rmtree(tempdir, ignore_errors=True)


def _unset(defaults: Mapping[str, str]) -> dict[str, str]:
    """The defaults the environment does not set already (an explicit setting wins)."""
    return {name: value for name, value in defaults.items() if name not in os.environ}


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Environment variables for the duration of app construction, restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _load_factory(choice: str | AppFactory) -> tuple[AppFactory, str, bool]:
    """`module:factory` (a zero-argument function), `module:app` (an app object), or a callable.

    The flag says the app is a ready object, which the gate cannot build fresh.
    """
    if not isinstance(choice, str):
        if not callable(choice):
            raise TargetError(f"app must be 'module:factory' or a callable, got {choice!r}")
        return choice, getattr(choice, "__qualname__", repr(choice)), False
    module_name, _, attribute = choice.partition(":")
    if not module_name or not attribute:
        raise TargetError(f"--app must look like 'module:factory', got {choice!r}")
    try:
        module = importlib.import_module(module_name)
        obj = getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise TargetError(f"Cannot import {choice!r}: {exc}") from exc
    except (Exception, SystemExit) as exc:
        # A module can fail to import with anything (a NameError in a class body, a missing setting read
        # at import, sys.exit): the gate cannot run, which is exit 2 with reports, never a traceback.
        raise TargetError(
            f"Cannot import {choice!r}: importing {module_name} raised {describe_error(exc)}"
        ) from exc
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        return obj, choice, False
    return (lambda: obj), choice, True


def _init_database(app: Any) -> None:
    """Create the tables with the app's own `init-db` command when it has one (flaskr's convention)."""
    cli = getattr(app, "cli", None)
    commands = getattr(cli, "commands", {})
    if INIT_DB_COMMAND not in commands:
        return
    result = app.test_cli_runner().invoke(args=[INIT_DB_COMMAND])
    if result.exit_code != 0:
        raise TargetError(
            f"`flask {INIT_DB_COMMAND}` failed for the app under test: {result.output or result.exception!r}"
        )


def _sqlalchemy_engine(app: Any) -> Any:
    extensions = getattr(app, "extensions", {}) or {}
    for value in extensions.values():
        bind = getattr(value, "kw", {}).get("bind") if hasattr(value, "kw") else None
        if bind is not None and hasattr(bind, "dispose"):
            return bind
    return None
