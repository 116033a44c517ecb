"""The gate on another flask-smorest app (other_app.py): it passes as written and fails on planted bugs.

The books API differs from ours in every way the gate could have come to depend on: API-key auth through
a hook of its own, in-memory storage without `init-db`, other paths, ids and error handling. Runs use the
fast profile with a fixed seed and no example database, so they are quick and give the same verdict
every time (each bug was also caught with seeds 1-6).
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from contract_tests import GateOptions, GateReport, run_gate
from contract_tests.auth import AuthHookError
from contract_tests.cli import main
from contract_tests.profiles import PROFILES
from tests.gate.other_app import MAX_YEAR, PLANTED_BUGS, api_key_auth, create_app

SEED = PROFILES["fast"].seed
BOOKS_OPERATIONS = (
    "POST /books/keys",
    "GET /books/",
    "POST /books/",
    "GET /books/{book_id}",
    "DELETE /books/{book_id}",
)
BOOKS = "tests.gate.other_app"
# Each bug: the check that describes it, and the operations it lives in (the only ones the gate may blame).
EXPECTED = {
    "crash-on-max-year": ("not_a_server_error", {"POST /books/"}),
    "id-as-string": ("response_schema_conformance", {"POST /books/", "GET /books/", "GET /books/{book_id}"}),
    "any-key-reads-any-book": ("object_level_authorization", {"GET /books/{book_id}"}),
    "list-without-key": ("ignored_auth", {"GET /books/"}),
}


def books_gate(spec, bug: str | None = None, **options) -> GateReport:
    return run_gate(
        GateOptions(
            app=lambda: create_app(bug),
            spec=spec,
            profile="fast",
            seed=SEED,
            auth=api_key_auth,
            example_database=None,
            **options,
        )
    )


def describe(report: GateReport) -> str:
    return "\n".join([f"{f.check} on {f.operation}: {f.title}" for f in report.failures] + report.errors)


def test_every_planted_bug_has_an_expectation():
    assert set(EXPECTED) == set(PLANTED_BUGS)


def test_gate_passes_on_the_books_api_from_the_command_line(books_spec, tmp_path, capsys):
    reports = tmp_path / "reports"
    argv = [
        "run",
        f"--app={BOOKS}:create_app",
        f"--spec={books_spec}",
        f"--auth={BOOKS}:api_key_auth",
        "--profile=fast",
        f"--seed={SEED}",
        f"--reports={reports}",
    ]
    assert main(argv) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "Status coverage (documented vs observed):" in out
    assert out.rstrip().endswith("Verdict: PASS")

    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is True and summary["failures"] == [] and summary["errors"] == []
    assert summary["seed"] == SEED
    observed = {row["operation"]: set(row["observed"]) for row in summary["coverage"]}
    assert set(observed) == set(BOOKS_OPERATIONS) and all(row["cases"] > 0 for row in summary["coverage"])
    # Sequences created, read and deleted books; the key was checked on every secured operation.
    assert {201, 401} <= observed["POST /books/"]
    assert {200, 401, 404} <= observed["GET /books/{book_id}"]
    assert {204, 401, 404} <= observed["DELETE /books/{book_id}"]
    assert 201 in observed["POST /books/keys"]
    totals = summary["totals"]
    assert totals["cases"] >= totals["requests"] > 0 and totals["checks_run"] > totals["requests"]

    suite = ElementTree.parse(reports / "contract.xml").getroot().find("testsuite")
    assert suite is not None
    names = sorted(case.get("name") for case in suite.iter("testcase"))
    assert names == sorted([*BOOKS_OPERATIONS, "Stateful tests"])
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    assert (reports / "contract-html" / "index.html").is_file()


@pytest.mark.parametrize("bug", PLANTED_BUGS)
def test_gate_catches_a_planted_bug_with_the_matching_check(books_spec, bug):
    check, operations = EXPECTED[bug]
    report = books_gate(books_spec, bug)
    assert not report.ok
    assert not report.errors, describe(report)
    matching = [f for f in report.failures if f.check == check]
    assert matching, f"{bug}: expected {check}, got:\n{describe(report)}"
    blamed = {failure.operation for failure in report.failures}
    assert blamed <= operations, f"{bug} lives in {operations}, the gate blamed:\n{describe(report)}"
    # Confirmed by the replay (same seed, fresh app), with a request to send again.
    assert all(not failure.flaky for failure in matching), describe(report)
    assert all("curl -X" in failure.curl for failure in matching)
    assert all(failure.seed == SEED for failure in report.failures)


def test_a_server_error_is_reported_with_the_request_that_caused_it(books_spec):
    report = books_gate(books_spec, "crash-on-max-year", replay=False)
    (failure,) = report.failures
    assert "IndexError" in failure.title
    assert f'"year": {MAX_YEAR}' in failure.curl
    assert "/books/" in failure.curl and "X-API-Key" in failure.curl
    rendered = report.render()
    assert "FAILED: POST /books/ [not_a_server_error]" in rendered
    assert f"--seed {SEED}" in rendered


def test_two_processes_fail_with_one_junit_file_from_contract_variables(
    books_spec, tmp_path, monkeypatch, capsys
):
    """CONTRACT_APP/CONTRACT_SPEC/CONTRACT_AUTH select the target; --workers 2 merges the reports."""
    monkeypatch.setenv("CONTRACT_APP", f"{BOOKS}:create_app_with_string_ids")
    monkeypatch.setenv("CONTRACT_SPEC", str(books_spec))
    monkeypatch.setenv("CONTRACT_AUTH", f"{BOOKS}:api_key_auth")
    reports = tmp_path / "reports"
    assert main(["run", "--profile=fast", "--workers=2", f"--reports={reports}"]) == 1
    out = capsys.readouterr().out
    assert "[response_schema_conformance]" in out and "Reproduce with:" in out
    assert f"Reproduce the run: python -m contract_tests run --profile fast --seed {SEED} --workers 2" in out

    suite = ElementTree.parse(reports / "contract.xml").getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert sorted(cases) == sorted([*BOOKS_OPERATIONS, "Stateful tests"])
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {"POST /books/", "GET /books/", "GET /books/{book_id}", "Stateful tests"}
    assert suite.get("failures") == str(len(failed)) and suite.get("tests") == str(len(cases))
    assert "curl -X POST" in cases["POST /books/"].find("failure").text
    # Both processes' HTML reports are kept, and the work directories are gone.
    assert (reports / "contract-html" / "index.html").is_file()
    assert (reports / "contract-html-stateful" / "index.html").is_file()
    assert sorted(p.name for p in reports.iterdir() if p.name.startswith(".")) == []

    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False
    assert {f["check"] for f in summary["failures"]} == {"response_schema_conformance"}


def test_the_rerun_line_names_the_app_spec_and_auth_it_ran_with(books_spec):
    """Pasting the printed command must test the same app, not the default one."""
    options = GateOptions(
        app=f"{BOOKS}:create_app_with_string_ids",
        spec=books_spec,
        auth=f"{BOOKS}:api_key_auth",
        profile="fast",
        phases=("coverage",),
        example_database=None,
        replay=False,
    )
    report = run_gate(options)
    assert not report.ok
    rerun = report.render().splitlines()[-1]
    assert rerun.startswith("Reproduce the run: python -m contract_tests run --profile fast")
    assert f"--seed {SEED}" in rerun
    assert f"--app {BOOKS}:create_app_with_string_ids" in rerun
    assert f"--spec {books_spec}" in rerun
    assert f"--auth {BOOKS}:api_key_auth" in rerun


def test_an_auth_hook_that_cannot_sign_in_stops_the_gate_with_exit_2(books_spec, capsys):
    """Our register-and-login hook on the books API: nothing secured can be tested, so the gate cannot run."""
    argv = ["run", f"--app={BOOKS}:create_app", f"--spec={books_spec}", "--profile=fast", "--no-replay"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "could not register: POST /api/auth/register answered 404" in err
    assert "--auth module:callable" in err


def test_a_hook_failing_with_its_own_error_is_reported_as_a_sign_in_failure(books_spec):
    options = GateOptions(
        app=create_app,
        spec=books_spec,
        profile="fast",
        auth="tests.gate.factories:refusing_hook",
        replay=False,
    )
    with pytest.raises(
        AuthHookError,
        match=r"could not sign in: KeyError: 'access_token' \(at tests/gate/factories\.py:\d+\)",
    ):
        run_gate(options)


def test_a_hook_that_signs_in_one_identity_runs_and_reports_the_other(books_spec):
    """Once the hook has signed someone in, the gate ran: later sign-in failures are errors of the run."""
    report = run_gate(
        GateOptions(
            app=create_app,
            spec=books_spec,
            profile="fast",
            auth="tests.gate.factories:alice_only_hook",
            example_database=None,
            replay=False,
        )
    )
    assert not report.ok
    assert any("no account for bob" in error for error in report.errors), describe(report)
    assert report.totals.requests > 0
