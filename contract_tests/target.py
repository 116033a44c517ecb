"""What the gate tests: a WSGI app built fresh for the run (or a server's URL), and the published spec."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from contract_tests.defaults import CHEAP_PASSWORD_HASHING, DEFAULT_APP, DEFAULT_SPEC, INIT_DB_COMMAND

AppFactory = Callable[[], Any]


class TargetError(RuntimeError):
    """The app, the spec or the server cannot be used; the message says what to do."""


@dataclass(slots=True)
class ClientResponse:
    """What the auth hook sees of a response: status, headers and the JSON body (None if not JSON)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    text: str


class TargetClient(Protocol):
    """Sends requests to the target the gate tests, in-process or over HTTP (the auth hook uses it)."""

    def request(
        self, method: str, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None
    ) -> ClientResponse: ...


class WsgiClient:
    """Requests to an in-process WSGI app, through the same middleware stack the gate's cases go through."""

    def __init__(self, app: Any) -> None:
        from werkzeug.test import Client

        self._client = Client(app)

    def request(
        self, method: str, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None
    ) -> ClientResponse:
        response = self._client.open(path, method=method, json=json, headers=dict(headers or {}))
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
        self, method: str, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None
    ) -> ClientResponse:
        response = self._session.request(
            method, self._base_url + path, json=json, headers=dict(headers or {}), timeout=self._timeout
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
    _tempdirs: list[Path] = field(default_factory=list)
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
        """Dispose of the app's engine and remove the run's database files."""
        try:
            from flask import got_request_exception

            got_request_exception.disconnect(self._on_exception, self.app)
        except ImportError:  # pragma: no cover
            pass
        engine = _sqlalchemy_engine(self.app)
        if engine is not None:
            engine.dispose()
        for path in self._tempdirs:
            shutil.rmtree(path, ignore_errors=True)


def resolve_spec(spec: str | os.PathLike[str] | None) -> str:
    """The spec location: the option, else CONTRACT_SPEC, else the published openapi/openapi.json."""
    location = str(spec) if spec is not None else os.environ.get("CONTRACT_SPEC") or str(DEFAULT_SPEC)
    if is_url(location):
        return location
    path = Path(location)
    if not path.is_file():
        hint = " Run `make spec` to publish it." if path == DEFAULT_SPEC else ""
        raise TargetError(f"The spec {location} does not exist.{hint}")
    return str(path)


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def resolve_target(
    *,
    app: str | AppFactory | None,
    spec: str | os.PathLike[str] | None,
    base_url: str | None,
    database_url: str | None = None,
) -> Target:
    """Build the app for this run (fresh database, cheap hashing) or point at a server."""
    location = resolve_spec(spec)
    if base_url:
        if not is_url(base_url):
            raise TargetError(f"--base-url must be an http(s) URL, got {base_url!r}")
        return Target(None, base_url, location, HttpClient(base_url), f"server {base_url}")
    choice = app if app is not None else os.environ.get("CONTRACT_APP") or DEFAULT_APP
    tempdirs: list[Path] = []
    if database_url is None:
        tempdir = Path(tempfile.mkdtemp(prefix="contract-gate-"))
        tempdirs.append(tempdir)
        database_url = f"sqlite:///{tempdir / 'contract.sqlite3'}"
    try:
        factory, name = _load_factory(choice)
        with _environment({"DATABASE_URL": database_url, **_unset(CHEAP_PASSWORD_HASHING)}):
            try:
                built = factory()
            except Exception as exc:
                raise TargetError(f"The app factory {name} failed: {exc!r}") from exc
            _init_database(built)
    except BaseException:
        for path in tempdirs:
            shutil.rmtree(path, ignore_errors=True)
        raise
    return Target(
        built, None, location, WsgiClient(built), f"app {name} (in-process, {database_url})", tempdirs
    )


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


def preload_app(choice: str | AppFactory | None) -> None:
    """Import the app's module now, so the worker processes forked next share it instead of each importing it.

    Only the import: every pass still builds its own app. A module that cannot be imported is left for the
    pass to report, as it would have been.
    """
    if not isinstance(choice, str):
        return
    # The pass that builds the app says what is wrong with a module that fails to import.
    with suppress(Exception):
        importlib.import_module(choice.partition(":")[0])


def _load_factory(choice: str | AppFactory) -> tuple[AppFactory, str]:
    """`module:factory` (a zero-argument function), `module:app` (an app object), or a callable."""
    if not isinstance(choice, str):
        if not callable(choice):
            raise TargetError(f"app must be 'module:factory' or a callable, got {choice!r}")
        return choice, getattr(choice, "__qualname__", repr(choice))
    module_name, _, attribute = choice.partition(":")
    if not module_name or not attribute:
        raise TargetError(f"--app must look like 'module:factory', got {choice!r}")
    try:
        module = importlib.import_module(module_name)
        obj = getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise TargetError(f"Cannot import {choice!r}: {exc}") from exc
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        return obj, choice
    return (lambda: obj), choice


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
