"""The gate on an APIFlask app that hands out tokens with OAuth2's password grant: no auth code at all.

The token URL comes from the spec's `flows.password.tokenUrl`, the accounts from the environment
(`--oauth2-password-env`, `--peer-oauth2-password-env`); the app as written passes, each planted bug
fails with its check, and wrong credentials stop the run with a message that says which variables.
"""

from __future__ import annotations

import functools
import json

import pytest

from contract_tests import GateReport
from contract_tests.cli import main
from tests.gate.apiflask_app import ACCOUNTS, PLANTED_BUGS, create_app, openapi_document
from tests.gate.fixture_gate import SEED, assert_caught, describe, fast_gate

PETS = "tests.gate.apiflask_app"
EXPECTED = {
    "any-token-reads-any-pet": ("object_level_authorization", {"GET /pets/{pet_id}"}),
    "token-without-type": ("response_schema_conformance", {"POST /token"}),
    "crash-on-empty-species": ("not_a_server_error", {"POST /pets"}),
}


@pytest.fixture
def pets_spec(tmp_path):
    path = tmp_path / "pets.json"
    path.write_text(json.dumps(openapi_document()), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def accounts(monkeypatch):
    (first, first_password), (second, second_password) = ACCOUNTS.items()
    for name, value in {
        "PETS_USER": first,
        "PETS_PASSWORD": first_password,
        "PEER_USER": second,
        "PEER_PASSWORD": second_password,
    }.items():
        monkeypatch.setenv(name, value)


def pets_gate(spec, bug: str | None = None) -> GateReport:
    return fast_gate(
        lambda: create_app(bug),
        spec,
        oauth2_password_env="PETS_USER:PETS_PASSWORD",
        peer_oauth2_password_env="PEER_USER:PEER_PASSWORD",
    )


def test_every_planted_bug_has_an_expectation():
    assert set(EXPECTED) == set(PLANTED_BUGS)


def test_the_password_grant_from_the_spec_passes_from_the_command_line(pets_spec, tmp_path, capsys):
    reports = tmp_path / "reports"
    argv = [
        "run",
        f"--app={PETS}:create_app",
        f"--spec={pets_spec}",
        "--oauth2-password-env=PETS_USER:PETS_PASSWORD",
        "--peer-oauth2-password-env=PEER_USER:PEER_PASSWORD",
        "--profile=fast",
        f"--seed={SEED}",
        f"--reports={reports}",
    ]
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Auth: OAuth2 password grant at POST /token (scheme OAuth2" in out
    assert "ignored_auth does not probe oauth2 schemes" in out  # Schemathesis' limit, said, not hidden
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    observed = {row["operation"]: row["observed"] for row in summary["coverage"]}
    assert 200 in observed["GET /pets"] and 201 in observed["POST /pets"]  # the token got through
    assert not any(password in out for password in ACCOUNTS.values())


@pytest.mark.parametrize("bug", PLANTED_BUGS)
def test_each_planted_bug_fails_with_its_check(pets_spec, bug):
    assert_caught(pets_gate(pets_spec, bug), *EXPECTED[bug])


def test_wrong_credentials_exit_2_naming_the_variables(pets_spec, monkeypatch, capsys):
    monkeypatch.setenv("PETS_PASSWORD", "not-the-password")
    argv = [
        "run",
        f"--app={PETS}:create_app",
        f"--spec={pets_spec}",
        "--oauth2-password-env=PETS_USER:PETS_PASSWORD",
        "--profile=fast",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "POST /token answered 400 (invalid_grant)" in err
    assert "check the username and password in --oauth2-password-env PETS_USER:PETS_PASSWORD" in err


def test_without_a_peer_the_report_says_object_level_checks_do_not_run(pets_spec):
    app = functools.partial(create_app, "any-token-reads-any-pet")
    report = fast_gate(app, pets_spec, oauth2_password_env="PETS_USER:PETS_PASSWORD")
    assert "object_level_authorization" not in report.checks_failed(), describe(report)
    assert "no second identity, so object_level_authorization does not run" in report.auth


def test_an_api_key_for_a_spec_without_an_api_key_scheme_exits_2(pets_spec, monkeypatch, capsys):
    monkeypatch.setenv("PETS_KEY", "abc")
    argv = ["run", f"--app={PETS}:create_app", f"--spec={pets_spec}", "--api-key-env=PETS_KEY"]
    assert main(argv) == 2
    assert "declares no securitySchemes entry of an `apiKey` scheme" in capsys.readouterr().err


def test_the_accounts_come_from_contract_variables_too(pets_spec, monkeypatch):
    monkeypatch.setenv("CONTRACT_OAUTH2_PASSWORD_ENV", "PETS_USER:PETS_PASSWORD")
    report = fast_gate(create_app, pets_spec)
    assert report.ok, describe(report)
    assert report.auth.startswith("OAuth2 password grant")
