"""Auth without code: `--header` and `--bearer-env` authenticate a run with no hook, securitySchemes or not.

A tiny notes API of its own accepts one fixed key; the books API's error envelope keeps it contract-clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from contract_tests import GateOptions, run_gate
from contract_tests.cli import main
from contract_tests.profiles import PROFILES
from tests.gate.other_app import BooksApi, ErrorSchema

SEED = PROFILES["fast"].seed
KEY = "static-key-for-the-gate"
TOKEN_VARIABLE = "STATIC_AUTH_TEST_TOKEN"


class NoteSchema(Schema):
    title = fields.String(required=True)


def create_app(*, header: str = "X-API-Key", value: str = KEY, declare_security: bool = True) -> Flask:
    """A one-operation API that answers 401 unless `header` carries exactly `value`."""
    blp = Blueprint("notes", __name__, url_prefix="/notes")
    security = [{"Key": []}] if declare_security else []

    @blp.before_request
    def authenticate() -> None:
        if request.headers.get(header) != value:
            abort(401, message=f"Send {header}.")

    @blp.route("/")
    class Notes(MethodView):
        @blp.doc(operationId="listNotes", security=security)
        @blp.response(200, NoteSchema(many=True))
        @blp.alt_response(401, schema=ErrorSchema, description="No valid credentials")
        def get(self) -> list[dict[str, Any]]:
            """The notes."""
            return [{"title": "first"}]

    app = Flask(__name__)
    app.config.update(API_TITLE="Notes", API_VERSION="1.0.0", OPENAPI_VERSION="3.1.0")
    api = BooksApi(app)
    if declare_security:
        scheme = (
            {"type": "http", "scheme": "bearer"}
            if header == "Authorization"
            else {"type": "apiKey", "in": "header", "name": header}
        )
        api.spec.components.security_scheme("Key", scheme)
    api.register_blueprint(blp)
    app.extensions["notes_api"] = api
    return app


def write_spec(path: Path, app: Flask) -> Path:
    path.write_text(json.dumps(app.extensions["notes_api"].spec.to_dict()), encoding="utf-8")
    return path


def notes_gate(tmp_path: Path, **options: Any):
    app_options = options.pop("app_options", {})
    spec = write_spec(tmp_path / "openapi.json", create_app(**app_options))
    return run_gate(
        GateOptions(
            app=lambda: create_app(**app_options),
            spec=spec,
            profile="fast",
            seed=SEED,
            example_database=None,
            **options,
        )
    )


def describe(report: Any) -> str:
    return "\n".join([f"{f.check} on {f.operation}: {f.title}" for f in report.failures] + report.errors)


def test_an_api_key_header_from_the_command_line_passes_without_a_hook(tmp_path, capsys):
    spec = write_spec(tmp_path / "openapi.json", create_app())
    argv = [
        "run",
        f"--app={__name__}:create_app",
        f"--spec={spec}",
        f"--header=X-API-Key: {KEY}",
        "--profile=fast",
        f"--seed={SEED}",
        f"--reports={tmp_path / 'reports'}",
    ]
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((tmp_path / "reports" / "contract-summary.json").read_text(encoding="utf-8"))
    assert 200 in summary["coverage"][0]["observed"]  # the key got through
    assert "Auth: static headers X-API-Key (--header) on every request" in out
    assert KEY not in out  # the report names the header, never its secret value


def test_the_header_value_is_what_authenticates(tmp_path):
    """With the wrong value nothing gets past the 401 (which the spec documents, so the run still passes)."""
    report = notes_gate(tmp_path, headers=("X-API-Key: not-the-key",))
    assert {row.operation: sorted(row.observed) for row in report.coverage} == {"GET /notes/": [401]}


def test_a_bearer_token_from_the_environment_passes_and_ignored_auth_still_probes(tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_VARIABLE, "token-123")
    report = notes_gate(
        tmp_path,
        bearer_env=TOKEN_VARIABLE,
        app_options={"header": "Authorization", "value": "Bearer token-123"},
    )
    assert report.ok, describe(report)
    # ignored_auth removed the token and saw the 401 the spec documents.
    assert {401, 200} <= set(next(row.observed for row in report.coverage if row.operation == "GET /notes/"))
    assert report.auth.startswith(f"static headers Authorization (--bearer-env {TOKEN_VARIABLE})")


def test_ignored_auth_still_catches_an_api_that_does_not_check_the_key(tmp_path):
    """A static key must not hide what ignored_auth is for: the spec asks for a key the app never checks."""
    app_options = {"header": "X-Unchecked"}
    spec = write_spec(tmp_path / "openapi.json", create_app(**app_options))
    report = run_gate(
        GateOptions(
            app=lambda: create_app(header="X-Other", value="anything-goes"),
            spec=spec,
            profile="fast",
            seed=SEED,
            example_database=None,
            headers=("X-Unchecked: value", "X-Other: anything-goes"),
        )
    )
    assert "ignored_auth" in report.checks_failed(), describe(report)


@pytest.mark.parametrize("value", [None, ""])
def test_bearer_env_with_an_unset_or_empty_variable_exits_2(tmp_path, monkeypatch, capsys, value):
    if value is None:
        monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(TOKEN_VARIABLE, value)
    spec = write_spec(tmp_path / "openapi.json", create_app())
    code = main(["run", f"--app={__name__}:create_app", f"--spec={spec}", f"--bearer-env={TOKEN_VARIABLE}"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"the environment variable {TOKEN_VARIABLE} is unset or empty" in err


def test_a_malformed_header_exits_2(tmp_path, capsys):
    spec = write_spec(tmp_path / "openapi.json", create_app())
    code = main(["run", f"--app={__name__}:create_app", f"--spec={spec}", "--header=X-API-Key"])
    assert code == 2
    assert "is not 'Name: value'" in capsys.readouterr().err


def test_a_header_is_sent_when_the_spec_declares_no_security_schemes(tmp_path):
    report = notes_gate(tmp_path, headers=(f"X-API-Key: {KEY}",), app_options={"declare_security": False})
    assert report.ok, describe(report)
    assert {row.operation: sorted(row.observed) for row in report.coverage} == {"GET /notes/": [200]}
    assert "the spec declares no securitySchemes" in report.auth
    assert "Auth: static headers X-API-Key (--header)" in report.render()
    # The command that reproduces the run names the header and leaves out its secret value.
    assert "--header 'X-API-Key: ...'" in report.rerun and KEY not in report.rerun


def key_hook(client: Any, identity: str) -> dict[str, str]:
    return {"X-API-Key": KEY}


def test_a_hook_the_user_names_is_used_when_the_spec_declares_no_security_schemes(tmp_path):
    report = notes_gate(tmp_path, auth=key_hook, app_options={"declare_security": False})
    assert report.ok, describe(report)
    assert {row.operation: sorted(row.observed) for row in report.coverage} == {"GET /notes/": [200]}
    assert "Auth: the hook key_hook signs in although the spec declares no securitySchemes" in report.render()


def test_the_default_hook_stays_out_of_an_api_that_declares_no_security_schemes(tmp_path):
    """Our own register/login means nothing to another API: the report says no credentials were sent."""
    report = notes_gate(tmp_path, app_options={"declare_security": False})
    assert {row.operation: sorted(row.observed) for row in report.coverage} == {"GET /notes/": [401]}
    assert "the default sign-in hook is not used" in report.auth


def test_static_headers_and_a_hook_together_exit_2(tmp_path, capsys):
    spec = write_spec(tmp_path / "openapi.json", create_app())
    argv = [
        "run",
        f"--app={__name__}:create_app",
        f"--spec={spec}",
        "--auth=none",
        f"--header=X-API-Key: {KEY}",
    ]
    assert main(argv) == 2
    assert "replace the auth hook" in capsys.readouterr().err
