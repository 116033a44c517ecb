"""Sign-in as part of the contract: a broken register or login fails those operations, and the run goes on.

Each case breaks our own app's sign-in the way an app can (a 500, a 422 on a valid body, a dropped
field) with the fault injector's middleware; the gate must report it on that operation with its check
and curl line (exit 1) and still test what needs no sign-in. Exit 2 is left for a hook that is wrong.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from app import create_app
from contract_tests import GateOptions, GateReport, run_gate
from contract_tests.cli import main
from tests.contract.faults import Fault, FaultInjector, _error, _response_json, _with_json

REGISTER, LOGIN = "POST /api/auth/register", "POST /api/auth/login"
# A cheap phase that sends every operation a few cases (the sign-in happens before any of them).
PHASES = ("fuzzing",)


def register_crashes(request, forward, state):
    if request.path == "/api/auth/register":
        return _error(500, "Internal Server Error", "The server could not complete the request.")
    return forward(request)


def register_rejects_valid_input(request, forward, state):
    if request.path == "/api/auth/register":
        return _error(422, "Unprocessable Entity", "Invalid.", {"json": {"username": ["Invalid."]}})
    return forward(request)


def login_drops_the_token(request, forward, state):
    response = forward(request)
    if request.path == "/api/auth/login" and response.status_code == 200:
        body = _response_json(response)
        body.pop("access_token", None)
        return _with_json(response, body)
    return response


BROKEN_SIGN_IN = {
    "register-500": (register_crashes, REGISTER, "not_a_server_error"),
    "register-422": (register_rejects_valid_input, REGISTER, "positive_data_acceptance"),
    "login-without-token": (login_drops_the_token, LOGIN, "response_schema_conformance"),
}


def broken(name: str):
    apply, operation, check = BROKEN_SIGN_IN[name]

    def factory():
        app = create_app()
        app.wsgi_app = FaultInjector(app.wsgi_app, Fault(name, check, (operation,), name, apply))
        return app

    return factory


def describe(report: GateReport) -> str:
    lines = [f"{f.check} on {f.operation} ({f.phase}): {f.title}" for f in report.failures]
    return "\n".join(lines + report.errors + [report.auth])


@pytest.mark.parametrize("name", sorted(BROKEN_SIGN_IN))
def test_a_sign_in_that_breaks_the_contract_fails_its_operation_and_the_run_goes_on(name):
    _, operation, check = BROKEN_SIGN_IN[name]
    report = run_gate(GateOptions(app=broken(name), profile="fast", phases=PHASES, example_database=None))
    assert not report.ok
    matching = [f for f in report.failures if f.phase == "sign-in" and f.operation == operation]
    checks = {f.check for f in matching}
    # A 500 is also an undocumented status: that check may report it too, and nothing else may.
    assert check in checks and checks <= {check, "status_code_conformance"}, describe(report)
    assert all("curl -X POST" in f.curl and "/api/auth/" in f.curl for f in matching)
    assert not any(f.flaky for f in matching), (
        "the exact sign-in request, re-sent to a fresh app, fails again"
    )
    assert report.auth.startswith(f"sign-in broke the contract of {operation}")
    # Everything that needs no sign-in was still tested, as were the secured operations (without credentials).
    rows = {row.operation: row for row in report.coverage}
    assert rows["GET /healthz"].observed == [200]
    assert 401 in rows["GET /api/todos"].observed


def indexing_hook(client, identity):
    """A user's hook as one is first written: register, log in, index the answer for its token."""
    body = {"username": f"{identity}-user", "password": "x" * 12}
    client.request("POST", "/api/auth/register", json=body)
    response = client.request("POST", "/api/auth/login", json=body)
    return {"Authorization": f"Bearer {response.body['access_token']}"}


def test_the_auth_line_names_what_a_users_hook_raised_and_where():
    """A bare KeyError says `'access_token'`; the line must say it is a KeyError, and at which line."""
    options = GateOptions(
        app=broken("register-422"),
        auth="tests.gate.test_sign_in:indexing_hook",
        profile="fast",
        phases=PHASES,
        example_database=None,
        replay=False,
    )
    report = run_gate(options)
    assert report.auth.startswith(f"sign-in broke the contract of {REGISTER}"), describe(report)
    assert "the hook raised KeyError: 'access_token' (at tests/gate/test_sign_in.py:" in report.auth


def test_a_broken_sign_in_exits_1_with_its_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("tests.gate.test_sign_in.APP", broken("register-500"), raising=False)
    argv = ["run", "--app", "tests.gate.test_sign_in:APP", "--profile", "fast", "--phases", "fuzzing"]
    assert main([*argv, "--reports", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"FAILED: {REGISTER} [not_a_server_error] (sign-in phase" in out
    summary = json.loads((tmp_path / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False
    assert "sign-in" in {failure["phase"] for failure in summary["failures"]}
    assert {failure["operation"] for failure in summary["failures"]} == {REGISTER}


def wrong_password_hook(client, identity):
    """A user's hook with credentials the API does not know: the API answers 401, as documented."""
    response = client.request("POST", "/api/auth/login", json={"username": "nobody", "password": "x" * 12})
    if response.status != 200:
        raise RuntimeError(f"login refused: {response.status}")
    return {"Authorization": f"Bearer {response.body['access_token']}"}


def test_wrong_credentials_the_user_gave_exit_2_and_still_write_reports(tmp_path, capsys):
    argv = ["run", "--auth", "tests.gate.test_sign_in:wrong_password_hook", "--profile", "fast"]
    assert main([*argv, "--phases", "fuzzing", "--reports", str(tmp_path)]) == 2
    assert (
        "could not sign in: RuntimeError: login refused: 401 (at tests/gate/test_sign_in.py:"
        in capsys.readouterr().err
    )
    summary = GateReport.read_json(tmp_path / "contract-summary.json")
    assert not summary.ok and "login refused: 401" in summary.errors[0]
    junit = ElementTree.parse(tmp_path / "contract.xml").getroot()
    assert junit.get("errors") == "1"
