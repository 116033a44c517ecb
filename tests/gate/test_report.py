"""The report: status coverage per operation, the verdict, the console summary and its JSON twin."""

from __future__ import annotations

import json

import pytest

from contract_tests.report import Failure, GateReport, OperationCoverage, Totals


def failure(**overrides) -> Failure:
    fields = {
        "check": "not_a_server_error",
        "operation": "POST /books/",
        "title": "Server error",
        "message": "Received a 500",
        "curl": "curl -X POST -H 'Content-Type: application/json' -d '{\"year\": 2100}' http://localhost/books/",
        "status_code": 500,
        "response_excerpt": '{"code": 500}',
        "phase": "coverage",
        "seed": 42,
    }
    return Failure(**{**fields, **overrides})


def report(**overrides) -> GateReport:
    fields = {"profile": "fast", "seed": 42, "target": "app books:create_app", "spec": "books.json"}
    return GateReport(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("documented", "observed", "missing", "undocumented"),
    [
        (["200", "401", "404"], [200, 404], ["401"], []),
        (["200"], [200, 500], [], [500]),
        (["2XX", "404"], [201, 204], ["404"], []),
        (["2xx"], [301], ["2xx"], [301]),
        (["default"], [418], [], []),
        (["201", "422"], [], ["201", "422"], []),
    ],
)
def test_coverage_matches_documented_statuses_and_ranges_to_observed_ones(
    documented, observed, missing, undocumented
):
    row = OperationCoverage("GET /books/", documented, observed)
    assert row.missing == missing
    assert row.undocumented == undocumented


def test_a_clean_run_passes_even_with_statuses_never_observed():
    result = report(coverage=[OperationCoverage("GET /books/", ["200", "401"], [200])])
    assert result.uncovered == {"GET /books/": ["401"]}
    assert result.ok


def test_require_status_coverage_fails_on_a_status_never_observed():
    result = report(
        coverage=[OperationCoverage("GET /books/", ["200", "401"], [200])], require_status_coverage=True
    )
    assert not result.ok
    rendered = result.render()
    assert "Documented statuses never observed: 1; a failure (--require-status-coverage)" in rendered
    assert rendered.endswith("Verdict: FAIL")


def test_require_status_coverage_passes_when_every_status_was_observed():
    result = report(
        coverage=[OperationCoverage("GET /books/", ["200", "4XX"], [200, 404])], require_status_coverage=True
    )
    assert result.uncovered == {}
    assert result.ok


@pytest.mark.parametrize(
    "problem", [{"failures": [failure()]}, {"failures": [failure(flaky=True)]}, {"errors": ["Fatal: boom"]}]
)
def test_a_failure_a_flaky_failure_or_an_error_fails_the_gate(problem):
    result = report(**problem)
    assert not result.ok
    assert "Verdict: FAIL" in result.render()


def test_coverage_table_has_a_row_per_operation_with_what_was_never_observed():
    result = report(
        coverage=[
            OperationCoverage("POST /books/", ["201", "401", "422"], [201, 422], cases=12),
            OperationCoverage("DELETE /books/{book_id}", ["204", "404"], [204, 404], cases=7),
        ]
    )
    header, rule, *rows = result.coverage_table().splitlines()
    assert header.split() == ["operation", "cases", "documented", "observed", "never", "observed"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert rows[0].split() == ["POST", "/books/", "12", "201", "401", "422", "201", "422", "401"]
    assert rows[1].split() == ["DELETE", "/books/{book_id}", "7", "204", "404", "204", "404", "-"]
    # Columns line up: every row starts its `cases` cell where the header does.
    column = header.index("cases")
    assert all(row[column - 2 : column] == "  " and row[column] != " " for row in rows)
    assert all(line == line.rstrip() for line in result.coverage_table().splitlines())


def test_render_lists_totals_reports_and_how_to_rerun_a_failing_seed():
    result = report(failures=[failure()], reports={"JUnit XML": "reports/contract.xml"})
    result.totals = Totals(operations=5, cases=120, requests=118, checks_run=900, failures=1, seconds=2.5)
    rendered = result.render()
    assert "Totals: 5 operations, 120 cases, 118 requests, 900 checks run, 1 failures (0 flaky)" in rendered
    assert "JUnit XML: reports/contract.xml" in rendered
    assert "--seed 42" in rendered.splitlines()[-1]
    assert "Profile: fast, seed 42" in rendered


def test_failure_shows_operation_check_response_and_a_curl_to_paste():
    text = failure().render(3)
    lines = text.splitlines()
    assert lines[0] == "3. FAILED: POST /books/ [not_a_server_error] (coverage phase, seed 42)"
    assert '   Response (500): {"code": 500}' in lines
    assert lines[-2] == "   Reproduce with:"
    assert lines[-1].startswith("      curl -X POST")


def test_flaky_failure_shows_both_responses():
    text = failure(flaky=True, replay_status_code=201, replay_excerpt='{"id": 1}').render(1)
    assert "FLAKY (did not reproduce on replay)" in text
    assert "Response (500)" in text
    assert 'Replay response (201): {"id": 1}' in text


def test_failure_without_a_body_says_so():
    assert "Response (204): <empty body>" in failure(status_code=204, response_excerpt="").render(1)


def test_summary_json_carries_the_verdict_failures_and_coverage(tmp_path):
    result = report(
        failures=[failure()],
        coverage=[OperationCoverage("POST /books/", ["201", "500"], [500], cases=3)],
    )
    path = tmp_path / "nested" / "summary.json"
    result.write_json(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["ok"] is False
    assert data["seed"] == 42
    assert data["failures"][0]["check"] == "not_a_server_error"
    assert data["failures"][0]["curl"].startswith("curl -X POST")
    assert data["coverage"][0] == {
        "operation": "POST /books/",
        "documented": ["201", "500"],
        "observed": [500],
        "cases": 3,
    }
    assert data["uncovered"] == {"POST /books/": ["201"]}


def test_the_rerun_line_is_the_one_the_gate_built_when_there_is_one():
    result = report(failures=[failure()], rerun="python -m contract_tests run --app books:create_app")
    assert result.render().splitlines()[-1] == (
        "Reproduce the run: python -m contract_tests run --app books:create_app"
    )
    assert "Reproduce the run" not in report(rerun="python -m contract_tests run").render()
