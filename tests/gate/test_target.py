"""Choosing what the gate tests: `--app`, `--spec`, `--base-url` (or their variables), the fresh database."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask import Flask

from contract_tests.target import (
    CHEAP_PASSWORD_HASHING,
    DEFAULT_SPEC,
    HttpClient,
    Target,
    TargetError,
    WsgiClient,
    is_url,
    resolve_spec,
    resolve_target,
)
from tests.gate import factories


@pytest.fixture
def private_tempdir(tmp_path, monkeypatch) -> Path:
    """Where the gate's temporary databases go during the test, so leftovers can be seen."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def test_spec_defaults_to_the_published_one_and_obeys_contract_spec(books_spec, monkeypatch):
    assert resolve_spec(None) == str(DEFAULT_SPEC)
    monkeypatch.setenv("CONTRACT_SPEC", str(books_spec))
    assert resolve_spec(None) == str(books_spec)
    assert resolve_spec("https://example.test/openapi.json") == "https://example.test/openapi.json"


def test_a_missing_spec_is_an_error_that_names_it(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(TargetError, match=r"nowhere\.json does not exist"):
        resolve_spec(missing)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("http://127.0.0.1:8000", True),
        ("https://api.test/x", True),
        ("openapi.json", False),
        ("ftp://host/openapi.json", False),
    ],
)
def test_is_url(location, expected):
    assert is_url(location) is expected


def test_base_url_points_at_a_server_without_building_an_app(books_spec):
    target = resolve_target(app=None, spec=books_spec, base_url="http://127.0.0.1:9")
    assert target.app is None
    assert isinstance(target.client, HttpClient)
    assert "http://127.0.0.1:9" in target.description


def test_base_url_must_be_http(books_spec):
    with pytest.raises(TargetError, match="http"):
        resolve_target(app=None, spec=books_spec, base_url="127.0.0.1:8000")


def test_factory_runs_with_a_fresh_database_and_cheap_hashing_then_init_db(
    books_spec, private_tempdir, monkeypatch
):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name in CHEAP_PASSWORD_HASHING:
        monkeypatch.delenv(name, raising=False)
    target = resolve_target(app="tests.gate.factories:app_with_init_db", spec=books_spec, base_url=None)
    seen = target.app.config["SEEN"]
    database_url = seen["factory"]["DATABASE_URL"]
    assert database_url.startswith(f"sqlite:///{private_tempdir}")
    assert seen["factory"]["PASSWORD_HASH_TIME_COST"] == CHEAP_PASSWORD_HASHING["PASSWORD_HASH_TIME_COST"]
    assert seen["init-db"] == seen["factory"], "init-db must see the same settings as the factory"
    assert isinstance(target.client, WsgiClient)
    assert database_url in target.description
    # The settings were for building the app only.
    assert "DATABASE_URL" not in os.environ and "PASSWORD_HASH_TIME_COST" not in os.environ
    target.close()
    assert list(private_tempdir.iterdir()) == []


def test_two_runs_never_share_a_database(books_spec):
    first = resolve_target(app=factories.app_with_init_db, spec=books_spec, base_url=None)
    second = resolve_target(app=factories.app_with_init_db, spec=books_spec, base_url=None)
    try:
        urls = {target.app.config["SEEN"]["factory"]["DATABASE_URL"] for target in (first, second)}
        assert len(urls) == 2
    finally:
        first.close()
        second.close()


def test_explicit_settings_win_over_the_gate_defaults(books_spec, monkeypatch):
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "3")
    target = resolve_target(
        app=factories.app_with_init_db, spec=books_spec, base_url=None, database_url="sqlite:///chosen.db"
    )
    seen = target.app.config["SEEN"]["factory"]
    assert seen["PASSWORD_HASH_TIME_COST"] == "3"
    assert seen["DATABASE_URL"] == "sqlite:///chosen.db"
    assert os.environ["PASSWORD_HASH_TIME_COST"] == "3"
    target.close()


def test_contract_app_selects_the_factory(books_spec, monkeypatch):
    monkeypatch.setenv("CONTRACT_APP", "tests.gate.factories:app_with_init_db")
    target = resolve_target(app=None, spec=books_spec, base_url=None)
    assert "init-db" in target.app.config["SEEN"]
    assert "tests.gate.factories:app_with_init_db" in target.description
    target.close()


def test_an_app_object_is_accepted_as_well_as_a_factory(books_spec):
    target = resolve_target(app="tests.gate.factories:ready_app", spec=books_spec, base_url=None)
    assert target.app is factories.ready_app
    target.close()


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("tests.gate.factories", "must look like 'module:factory'"),
        (":create_app", "must look like 'module:factory'"),
        ("tests.gate.no_such_module:create_app", "Cannot import"),
        ("tests.gate.factories:no_such_factory", "Cannot import"),
        (42, "must be 'module:factory' or a callable"),
    ],
)
def test_a_bad_app_choice_says_what_is_expected(books_spec, private_tempdir, choice, message):
    with pytest.raises(TargetError, match=message):
        resolve_target(app=choice, spec=books_spec, base_url=None)
    assert list(private_tempdir.iterdir()) == [], "a run that cannot start leaves no database behind"


def test_a_failing_factory_is_reported_with_its_error_and_leaves_nothing_behind(books_spec, private_tempdir):
    with pytest.raises(TargetError, match=r"factories:broken_factory failed: .*SECRET_KEY is not set"):
        resolve_target(app="tests.gate.factories:broken_factory", spec=books_spec, base_url=None)
    assert list(private_tempdir.iterdir()) == []


def test_a_failing_init_db_is_reported(books_spec, private_tempdir):
    with pytest.raises(TargetError, match=r"init-db` failed.*database is locked"):
        resolve_target(app=factories.app_whose_init_db_fails, spec=books_spec, base_url=None)
    assert list(private_tempdir.iterdir()) == []


def test_target_records_exceptions_that_escape_the_app_until_closed():
    app = Flask("crashing")

    @app.get("/boom")
    def boom():
        raise ZeroDivisionError

    target = Target(app, None, "spec.json", WsgiClient(app), "crashing app")
    assert target.client.request("GET", "/boom").status == 500
    assert len(target.server_exceptions) == 1
    target.close()
    target.client.request("GET", "/boom")
    assert len(target.server_exceptions) == 1


def test_wsgi_client_parses_json_and_keeps_text():
    app = Flask("echo")

    @app.post("/echo")
    def echo():
        from flask import request

        return {"got": request.get_json(), "key": request.headers.get("X-Key")}, 201

    @app.get("/text")
    def text():
        return "plain"

    client = WsgiClient(app)
    response = client.request("POST", "/echo", json={"a": 1}, headers={"X-Key": "k"})
    assert (response.status, response.body) == (201, {"got": {"a": 1}, "key": "k"})
    assert response.headers["Content-Type"] == "application/json"
    plain = client.request("GET", "/text")
    assert (plain.body, plain.text) == (None, "plain")
