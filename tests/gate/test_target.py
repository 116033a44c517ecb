"""Choosing what the gate tests: `--app`, `--spec`, `--base-url` (or their variables), the fresh database."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from flask import Flask

from contract_tests import GateOptions, run_gate
from contract_tests.plan import spec_labels
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
    same_database,
)
from tests.gate import factories
from tests.gate.other_app import api_key_auth


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


def test_a_missing_spec_is_an_error_that_names_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetError, match=r"nowhere\.json does not exist"):
        resolve_spec("nowhere.json")


def test_a_spec_the_app_serves_is_fetched_from_the_app_in_process(books_spec):
    assert resolve_spec("/openapi.json") == "/openapi.json"
    target = resolve_target(
        app="tests.gate.factories:books_app_serving_its_spec", spec="/openapi.json", base_url=None
    )
    try:
        assert target.spec == "/openapi.json"
        assert target.document == json.loads(books_spec.read_text(encoding="utf-8"))
    finally:
        target.close()


def test_an_absolute_path_that_is_neither_a_file_nor_served_names_both(tmp_path, private_tempdir):
    missing = tmp_path / "openapi.json"
    with pytest.raises(TargetError, match=r"does not exist as a file, and the app answered GET .* with 404"):
        resolve_target(app="tests.gate.factories:books_app_serving_its_spec", spec=missing, base_url=None)
    assert list(private_tempdir.iterdir()) == [], "a target that failed leaves no database behind"


def test_the_gate_runs_on_the_spec_the_app_serves(books_spec):
    report = run_gate(
        GateOptions(
            app="tests.gate.factories:books_app_serving_its_spec",
            spec="/openapi.json",
            profile="fast",
            phases=("fuzzing",),
            max_examples=5,
            auth=api_key_auth,
            example_database=None,
            replay=False,
        )
    )
    assert report.spec == "/openapi.json"
    assert report.totals.operations == len(spec_labels(str(books_spec))) == 5
    assert report.totals.cases > 0
    assert report.ok, report.render()


def test_the_report_claims_a_fresh_database_only_when_the_app_uses_it(books_spec):
    target = resolve_target(app=factories.app_that_uses_database_url, spec=books_spec, base_url=None)
    used = target.app.config["DATABASE_URL"]
    target.close()
    assert f"fresh database {used}" in target.description
    assert "NOT" not in target.description


def test_an_app_that_ignores_database_url_is_reported_as_such(books_spec):
    target = resolve_target(app=factories.app_with_a_hard_coded_database, spec=books_spec, base_url=None)
    target.close()
    assert "NOT a fresh database: the app ignores DATABASE_URL and uses sqlite:///hard-coded" in (
        target.description
    )


def test_a_ready_app_object_is_reported_as_not_built_fresh(books_spec):
    target = resolve_target(app="tests.gate.factories:ready_app", spec=books_spec, base_url=None)
    target.close()
    assert "a ready app object, not a factory" in target.description
    assert "no database of the app's was found" in target.description
    assert "fresh database" not in target.description


@pytest.mark.parametrize(
    ("used", "ours", "same"),
    [
        ("sqlite:////tmp/a/contract.sqlite3", "sqlite:////tmp/a/contract.sqlite3", True),
        ("/tmp/a/contract.sqlite3", "sqlite:////tmp/a/contract.sqlite3", True),
        ("postgresql+psycopg://u:***@db:5432/run_1", "postgresql://u:secret@db:5432/run_1", True),
        ("postgresql://u@db:5432/app", "postgresql://u@db:5432/run_1", False),
        ("sqlite:///hard-coded.sqlite3", "sqlite:////tmp/a/contract.sqlite3", False),
    ],
)
def test_same_database_ignores_driver_and_password(used, ours, same):
    assert same_database(used, ours) is same


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


def test_a_factory_that_calls_sys_exit_is_a_target_error_not_an_exit(books_spec, private_tempdir):
    with pytest.raises(
        TargetError,
        match=r"exiting_factory failed: SystemExit: DATABASE_PASSWORD must be set "
        r"\(at tests/gate/factories\.py:\d+\)",
    ):
        resolve_target(app="tests.gate.factories:exiting_factory", spec=books_spec, base_url=None)
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
