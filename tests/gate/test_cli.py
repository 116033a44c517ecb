"""`python -m contract_tests run`: options and variables become GateOptions; exit 0, 1 or 2."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from contract_tests import cli
from contract_tests.gate import GateOptions
from contract_tests.plan import build_plan
from contract_tests.profiles import DEFAULT_PROFILE, PROFILES
from contract_tests.report import GateReport


@pytest.fixture
def captured(monkeypatch) -> list[GateOptions]:
    """Replace the engine: record the options main() builds, and return a report that passes."""
    calls: list[GateOptions] = []

    def fake_run_gate(options, echo=None):
        calls.append(options)
        return GateReport(profile=options.profile, seed=1, target="t", spec="s")

    monkeypatch.setattr(cli, "run_gate", fake_run_gate)
    return calls


def test_defaults_are_the_ci_profile_our_app_and_reports_dir(captured):
    assert cli.main(["run"]) == 0
    (options,) = captured
    assert DEFAULT_PROFILE == "ci"
    assert options.profile == "ci"
    assert (options.app, options.spec, options.base_url, options.auth) == (None, None, None, None)
    assert options.reports_dir == Path("reports")
    assert options.replay is True
    assert options.require_status_coverage is False
    assert options.seed is None and options.workers is None and options.max_examples is None


def test_every_option_reaches_the_gate(captured, tmp_path):
    argv = [
        "run",
        "--profile=fast",
        "--app=books:create_app",
        "--spec=books.json",
        "--auth=books.gate:auth",
        "--database-url=sqlite:///x.db",
        "--seed=5",
        "--workers=2",
        "--max-examples=3",
        "--require-status-coverage",
        f"--reports={tmp_path}",
        "--no-replay",
    ]
    assert cli.main(argv) == 0
    (options,) = captured
    assert (options.profile, options.app, options.spec, options.auth) == (
        "fast",
        "books:create_app",
        "books.json",
        "books.gate:auth",
    )
    assert (options.database_url, options.seed, options.workers, options.max_examples) == (
        "sqlite:///x.db",
        5,
        2,
        3,
    )
    assert options.require_status_coverage is True
    assert options.replay is False
    assert options.reports_dir == tmp_path


def test_fresh_database_names_the_server_and_leaves_the_database_to_the_gate(captured):
    assert cli.main(["run", "--fresh-database=postgresql://u@db.internal/postgres"]) == 0
    (options,) = captured
    assert options.fresh_database == "postgresql://u@db.internal/postgres"
    assert options.database_url is None, "each process of the run gets a database of its own"


def test_contract_base_url_is_read_when_the_option_is_absent(captured, monkeypatch):
    monkeypatch.setenv("CONTRACT_BASE_URL", "http://127.0.0.1:8000")
    cli.main(["run"])
    cli.main(["run", "--base-url", "http://127.0.0.1:9000"])
    plans = [build_plan(options) for options in captured]
    assert [plan.base_url for plan in plans] == ["http://127.0.0.1:8000", "http://127.0.0.1:9000"]
    assert [plan.app for plan in plans] == [None, None], "over HTTP there is no in-process app"


@pytest.mark.parametrize("argv", [["run", "--profile", "nightly"], ["run", "--seed", "x"], []])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    assert "usage: contract-gate" in capsys.readouterr().err


def test_run_help_lists_every_profile_with_its_budget(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    out = capsys.readouterr().out
    for profile in PROFILES.values():
        assert f"{profile.name} " in out and f"{profile.max_examples} examples/operation" in out
    assert "seed random" in out and f"seed {PROFILES['ci'].seed}" in out


def test_a_failing_report_exits_1_and_is_printed(monkeypatch, capsys):
    def failing(options, echo=None):
        return GateReport(profile="fast", seed=1, target="t", spec="s", errors=["Fatal: boom"])

    monkeypatch.setattr(cli, "run_gate", failing)
    assert cli.main(["run"]) == 1
    assert "Verdict: FAIL" in capsys.readouterr().out


def test_a_missing_spec_exits_2_and_says_which(tmp_path, capsys):
    missing = tmp_path / "openapi.json"
    assert cli.main(["run", "--spec", str(missing), "--reports", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("contract gate: ") and f"{missing} does not exist" in err
    # Even a run that could not start leaves reports CI can show: why, in the summary and the JUnit file.
    summary = GateReport.read_json(tmp_path / "r" / "contract-summary.json")
    assert not summary.ok and f"{missing} does not exist" in summary.errors[0]
    junit = ElementTree.parse(tmp_path / "r" / "contract.xml").getroot()
    error = junit.find("testsuite/testcase/error")
    assert junit.get("errors") == "1" and error is not None and "does not exist" in error.get("message", "")


def test_contract_spec_naming_a_missing_file_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONTRACT_SPEC", str(tmp_path / "gone.json"))
    assert cli.main(["run"]) == 2
    assert "gone.json does not exist" in capsys.readouterr().err


def test_a_failing_app_factory_exits_2(books_spec, capsys):
    argv = ["run", "--app", "tests.gate.factories:broken_factory", "--spec", str(books_spec)]
    assert cli.main(argv) == 2
    assert "broken_factory failed" in capsys.readouterr().err


def test_contract_app_naming_nothing_exits_2(books_spec, monkeypatch, capsys):
    monkeypatch.setenv("CONTRACT_APP", "tests.gate.factories:no_such_factory")
    assert cli.main(["run", "--spec", str(books_spec)]) == 2
    assert "Cannot import 'tests.gate.factories:no_such_factory'" in capsys.readouterr().err


def test_an_auth_hook_that_cannot_be_imported_exits_2(books_spec, capsys):
    argv = [
        "run",
        "--app=tests.gate.other_app:create_app",
        f"--spec={books_spec}",
        "--auth=tests.gate.other_app:no_such_hook",
    ]
    assert cli.main(argv) == 2
    assert "Cannot import the auth hook" in capsys.readouterr().err


def test_an_app_module_that_raises_on_import_exits_2_with_reports_and_the_line(books_spec, tmp_path, capsys):
    """Any exception importing the app (here a NameError in a class body) is exit 2, not a traceback and 1."""
    argv = ["run", "--app", "tests.gate.fails_at_import:create_app", "--spec", str(books_spec)]
    assert cli.main([*argv, "--reports", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        "Cannot import 'tests.gate.fails_at_import:create_app': importing tests.gate.fails_at_import raised "
        in err
    )
    assert "NameError: name 'FactoryFailed' is not defined (at tests/gate/fails_at_import.py:" in err
    summary = json.loads((tmp_path / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False and "NameError" in summary["errors"][0]


def test_an_auth_hook_module_that_raises_on_import_exits_2(books_spec, capsys):
    argv = [
        "run",
        "--app=tests.gate.other_app:create_app",
        f"--spec={books_spec}",
        "--auth=tests.gate.fails_at_import:auth",
    ]
    assert cli.main(argv) == 2
    assert (
        "Cannot import the auth hook 'tests.gate.fails_at_import:auth': importing" in capsys.readouterr().err
    )


def test_a_base_url_that_is_not_a_url_exits_2(books_spec, monkeypatch, capsys):
    monkeypatch.setenv("CONTRACT_BASE_URL", "localhost:8000")
    assert cli.main(["run", "--spec", str(books_spec)]) == 2
    assert "--base-url must be an http(s) URL" in capsys.readouterr().err
