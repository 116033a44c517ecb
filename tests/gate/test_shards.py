"""`--shard K/N` and `merge-reports`: a stable split that keeps resources whole, and shards joined back."""

from __future__ import annotations

import json

import pytest

from contract_tests import GateOptions, run_gate
from contract_tests.engine import SUMMARY_NAME
from contract_tests.merge import merge_reports
from contract_tests.plan import spec_labels
from contract_tests.report import GateReport, OperationCoverage, Totals
from contract_tests.shards import parse_shard, resource, select, split
from tests.gate.other_app import api_key_auth, create_app

LABELS = [
    "GET /authors",
    "POST /authors",
    "GET /authors/{id}",
    "DELETE /authors/{id}",
    "GET /books",
    "POST /books",
    "GET /books/{id}",
    "PUT /books/{id}/cover",
    "POST /keys",
    "GET /health",
    "GET /",
]


@pytest.mark.parametrize("total", [1, 2, 3, 5, 20])
def test_every_operation_lands_in_exactly_one_shard(total):
    shards = split(LABELS, total)
    assert len(shards) == total
    placed = [label for shard in shards for label in shard]
    assert sorted(placed) == sorted(LABELS)
    assert len(placed) == len(set(placed))


@pytest.mark.parametrize("total", [2, 3, 4])
def test_the_split_is_deterministic_whatever_the_order_of_the_operations(total):
    shuffled = list(reversed(LABELS))
    assert split(LABELS, total) == split(shuffled, total) == split(list(LABELS), total)
    for index in range(1, total + 1):
        assert select(LABELS, parse_shard(f"{index}/{total}")) == tuple(split(LABELS, total)[index - 1])


@pytest.mark.parametrize("total", [2, 3, 4])
def test_a_resources_operations_stay_in_one_shard(total):
    owner = {}
    for number, shard in enumerate(split(LABELS, total)):
        for label in shard:
            assert owner.setdefault(resource(label), number) == number, label
    assert resource("PUT /books/{id}/cover") == resource("POST /books") == "/books"


def test_shards_are_balanced_by_operation_count():
    sizes = [len(shard) for shard in split(LABELS, 2)]
    assert sorted(sizes) == [5, 6]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_malformed_shard_is_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


def _summary(shard: str, operation: str, observed: list[int], cases: int, failures: int) -> GateReport:
    report = GateReport(profile="fast", seed=1, target="app", spec="openapi.json", shard=shard)
    report.coverage = [OperationCoverage(operation, ["200", "404"], observed, cases)]
    report.coverage.append(OperationCoverage("GET /shared", ["200", "422"], [observed[0]], 1))
    report.totals = Totals(
        operations=2, cases=cases, requests=cases * 2, checks_run=cases * 3, failures=failures
    )
    report.totals.seconds = cases / 10
    return report


def test_merge_reports_sums_totals_and_unites_coverage(tmp_path):
    first, second = tmp_path / "shard-1", tmp_path / "shard-2"
    _summary("1/2", "GET /books", [200], 10, 0).write_json(first / SUMMARY_NAME)
    _summary("2/2", "GET /keys", [404], 30, 0).write_json(second / SUMMARY_NAME)
    merged = merge_reports([first, second], tmp_path / "merged")
    assert merged.shard == "1/2+2/2"
    assert (merged.totals.cases, merged.totals.requests, merged.totals.checks_run) == (40, 80, 120)
    rows = {row.operation: row for row in merged.coverage}
    assert sorted(rows) == ["GET /books", "GET /keys", "GET /shared"]
    assert rows["GET /shared"].observed == [200, 404]
    assert rows["GET /shared"].cases == 2
    assert merged.totals.seconds == pytest.approx(3.0)  # side by side: the slowest shard
    written = json.loads((tmp_path / "merged" / SUMMARY_NAME).read_text(encoding="utf-8"))
    assert written["totals"]["cases"] == 40


def test_merge_reports_adds_up_the_apps_log_and_output_by_line(tmp_path):
    first, second = tmp_path / "shard-1", tmp_path / "shard-2"
    one = _summary("1/2", "GET /books", [200], 10, 0)
    one.app_log = ["3x WARNING app: slow query", "1x ERROR app: lost connection"]
    one.app_output, one.app_output_lines = ["2x stdout: debug on"], 2
    one.errors, one.error_details = ["GET /books: boom"], {"GET /books: boom": "Traceback ..."}
    two = _summary("2/2", "GET /keys", [404], 30, 0)
    two.app_log = ["6x ERROR app: lost connection", "2x WARNING app: slow query"]
    two.app_output, two.app_output_lines = ["5x stderr: deprecated", "1x stdout: debug on"], 6
    one.write_json(first / SUMMARY_NAME)
    two.write_json(second / SUMMARY_NAME)
    merged = merge_reports([first, second], tmp_path / "merged")
    # Each line once, its counts summed, the most frequent first over both shards.
    assert merged.app_log == ["7x ERROR app: lost connection", "5x WARNING app: slow query"]
    assert merged.app_output == ["5x stderr: deprecated", "3x stdout: debug on"]
    assert merged.app_output_lines == 8
    assert merged.error_details == {"GET /books: boom": "Traceback ..."}
    assert "App output: 8 line(s)" in merged.render()


def test_a_shard_without_links_between_its_operations_skips_the_stateful_phase(books_spec, tmp_path):
    labels = spec_labels(str(books_spec))
    keys_shard = next(
        f"{index}/2" for index in (1, 2) if select(labels, parse_shard(f"{index}/2")) == ("POST /books/keys",)
    )
    report = run_gate(
        GateOptions(
            app=create_app,
            spec=books_spec,
            profile="fast",
            auth=api_key_auth,
            example_database=None,
            shard=keys_shard,
            reports_dir=tmp_path,
        )
    )
    assert [row.operation for row in report.coverage] == ["POST /books/keys"]
    assert not any("links" in error for error in report.errors), report.errors
    assert report.skipped and "stateful phase" in report.skipped[0]
    assert "Skipped: stateful phase" in report.render()
    assert report.ok, report.render()
