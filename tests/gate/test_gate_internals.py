"""The gate's internals: profiles and the config built from them, process groups, coverage, merged reports."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from contract_tests.collector import Collector, excerpt
from contract_tests.config import build_config
from contract_tests.engine import JUNIT_NAME, declares_security
from contract_tests.gate import GateOptions, rerun_command
from contract_tests.plan import build_plan
from contract_tests.profiles import PHASES, PROFILES, get_profile
from contract_tests.report import EXCERPT_CHARS
from contract_tests.workers import groups, merge_group_reports
from tests.gate.other_app import openapi_document


def test_ci_and_fast_are_seeded_and_deep_is_not():
    assert PROFILES["ci"].seed is not None
    assert PROFILES["fast"].seed is not None
    assert PROFILES["deep"].seed is None


def test_profiles_grow_from_fast_to_deep_and_all_run_every_phase():
    fast, ci, deep = PROFILES["fast"], PROFILES["ci"], PROFILES["deep"]
    assert fast.max_examples < ci.max_examples < deep.max_examples
    assert fast.stateful_max_steps <= ci.stateful_max_steps <= deep.stateful_max_steps
    assert all(set(profile.phases) == set(PHASES) for profile in PROFILES.values())


def test_unknown_profile_names_the_ones_that_exist():
    with pytest.raises(ValueError, match="fast, ci, deep"):
        get_profile("nightly")


def config(options: GateOptions, **narrowed):
    return build_config(build_plan(options), **narrowed)


def test_seeded_profile_gives_the_same_seed_every_time_and_deep_a_new_one():
    ci = GateOptions(profile="ci")
    assert config(ci).seed == config(ci).seed == PROFILES["ci"].seed
    deep = GateOptions(profile="deep")
    assert config(deep).seed != config(deep).seed


def test_the_plan_draws_a_random_seed_once_and_every_pass_uses_it():
    plan = build_plan(GateOptions(profile="deep"))
    assert build_config(plan).seed == build_config(plan).seed == plan.seed


def test_seed_precedence_is_argument_then_option_then_profile():
    assert config(GateOptions(profile="fast", seed=7)).seed == 7
    assert config(GateOptions(profile="fast", seed=7), seed=8).seed == 8
    assert config(GateOptions(profile="deep", seed=9)).seed == 9


def test_config_applies_the_profile_budget_and_the_options():
    fast = PROFILES["fast"]
    options = GateOptions(profile="fast", base_url="http://127.0.0.1:9", example_database=None)
    project = config(options).projects
    default = project.default
    assert default.generation.max_examples == fast.max_examples
    assert default.generation.database == "none"
    assert default.base_url == "http://127.0.0.1:9"
    assert default.phases.stateful.max_steps == fast.stateful_max_steps
    assert default.workers == 1
    # Stateful sequences never use the example database: they depend on the app's state.
    assert default.phases.stateful.generation.database == "none"


def test_config_overrides_examples_and_narrows_phases(tmp_path):
    options = GateOptions(max_examples=3, phases=("examples", "stateful"), example_database=tmp_path / "db")
    default = config(options).projects.default
    assert default.generation.max_examples == 3
    assert default.generation.database == str(tmp_path / "db")
    assert default.phases.examples.enabled and default.phases.stateful.enabled
    assert not default.phases.coverage.enabled and not default.phases.fuzzing.enabled


def test_config_keeps_the_checks_file_settings():
    default = config(GateOptions(profile="fast")).projects.default
    # The one documented difference from Schemathesis' defaults: a failed precondition is not a rejection.
    assert "412" in default.checks.positive_data_acceptance.expected_statuses
    assert "422" not in default.checks.positive_data_acceptance.expected_statuses


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (
            None,
            [("unit", ("examples", "coverage", "fuzzing", "probes")), ("stateful", ("examples", "stateful"))],
        ),
        (("coverage", "stateful"), [("unit", ("coverage",)), ("stateful", ("stateful",))]),
        (("examples", "fuzzing"), [("unit", ("examples", "fuzzing"))]),
        (("stateful",), [("stateful", ("stateful",))]),
    ],
)
def test_groups_split_per_operation_phases_from_the_stateful_one(phases, expected):
    assert groups(build_plan(GateOptions(phases=phases)).phases) == expected


def test_coverage_has_a_row_per_operation_and_skips_path_level_keys():
    raw = openapi_document()
    collector = Collector(seed=1)
    collector.observed["POST /books/"] |= {201, 422}
    collector.cases_by_operation["POST /books/"] = 4
    rows = {row.operation: row for row in collector.coverage(raw, selected=None)}
    # `/books/{book_id}` also has a path-level `parameters` entry, which is not an operation.
    assert set(rows) == {
        "POST /books/keys",
        "GET /books/",
        "POST /books/",
        "GET /books/{book_id}",
        "DELETE /books/{book_id}",
    }
    create = rows["POST /books/"]
    assert set(create.documented) == {"201", "400", "401", "415", "422"}
    assert create.observed == [201, 422]
    assert create.cases == 4
    assert sorted(create.missing) == ["400", "401", "415"]
    assert rows["GET /books/"].observed == [] and rows["GET /books/"].cases == 0


def test_coverage_of_a_narrowed_run_has_only_the_selected_operations():
    rows = Collector(seed=1).coverage(openapi_document(), selected=("GET /books/{book_id}",))
    assert [row.operation for row in rows] == ["GET /books/{book_id}"]


def test_absorbing_another_process_adds_counts_and_unites_statuses():
    first, second = Collector(seed=1, cases=3, requests=3, checks_run=10), Collector(seed=1)
    first.observed["GET /books/"].add(200)
    second.cases, second.requests, second.checks_run, second.relogins = 2, 1, 5, 1
    second.observed["GET /books/"].add(401)
    second.cases_by_operation["GET /books/"] = 2
    second.errors.append("GET /books/: boom")
    first.absorb(second)
    assert (first.cases, first.requests, first.checks_run, first.relogins) == (5, 4, 15, 1)
    assert first.observed["GET /books/"] == {200, 401}
    assert first.cases_by_operation["GET /books/"] == 2
    assert first.errors == ["GET /books/: boom"]


def test_excerpt_is_cut_and_marked_and_survives_bytes_that_are_not_utf8():
    long = SimpleNamespace(content=b"x" * (EXCERPT_CHARS + 5))
    assert excerpt(long) == "x" * EXCERPT_CHARS + "..."
    assert excerpt(SimpleNamespace(content=b"\xff{}")) == "\ufffd{}"
    assert excerpt(SimpleNamespace(content=None)) == ""
    assert excerpt(None) == ""


def test_security_is_detected_in_openapi_3_and_swagger_2():
    assert declares_security(openapi_document())
    assert declares_security({"securityDefinitions": {"key": {"type": "apiKey"}}})
    assert not declares_security({"components": {"schemas": {}}})


def _junit_part(directory: Path, cases: dict[str, str | None]) -> dict[str, str]:
    """A group's reports as Schemathesis writes them: JUnit (name -> failure text or None) and HTML."""
    directory.mkdir(parents=True)
    total = str(1.5 * len(cases))
    suites = ElementTree.Element("testsuites", time=total)
    suite = ElementTree.SubElement(suites, "testsuite", name="schemathesis", time=total)
    for name, failure in cases.items():
        case = ElementTree.SubElement(suite, "testcase", name=name, time="1.5")
        if failure is not None:
            ElementTree.SubElement(case, "failure", type="failure", message="ST108").text = failure
    ElementTree.ElementTree(suites).write(directory / JUNIT_NAME, encoding="utf-8", xml_declaration=True)
    html = directory / "contract-html"
    html.mkdir()
    (html / "index.html").write_text(f"<html>{directory.name}</html>", encoding="utf-8")
    return {"JUnit XML": str(directory / JUNIT_NAME), "HTML report": str(html / "index.html")}


def test_merged_junit_has_each_operation_once_and_keeps_the_failing_version(tmp_path):
    unit = _junit_part(tmp_path / ".unit", {"GET /books/": None, "POST /books/": None, "GET /x": "bad x"})
    stateful = _junit_part(
        tmp_path / ".stateful", {"POST /books/": "id is a string", "Stateful tests": "id is a string"}
    )
    reports = merge_group_reports(tmp_path, [unit, stateful])

    root = ElementTree.parse(tmp_path / JUNIT_NAME).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert sorted(cases) == ["GET /books/", "GET /x", "POST /books/", "Stateful tests"]
    assert cases["POST /books/"].find("failure").text == "id is a string"
    assert cases["GET /books/"].find("failure") is None
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == ("4", "3", "0")
        # The time of the cases it holds, the stateful group's included.
        assert float(element.get("time")) == pytest.approx(4 * 1.5)

    assert reports["JUnit XML"] == str(tmp_path / JUNIT_NAME)
    unit_html = Path(reports["HTML report (unit phases)"])
    stateful_html = Path(reports["HTML report (stateful phases)"])
    assert unit_html == tmp_path / "contract-html" / "index.html"
    assert unit_html.read_text(encoding="utf-8") == "<html>.unit</html>"
    assert stateful_html == tmp_path / "contract-html-stateful" / "index.html"
    assert stateful_html.read_text(encoding="utf-8") == "<html>.stateful</html>"
    assert not (tmp_path / ".unit").exists() and not (tmp_path / ".stateful").exists()


def test_merge_replaces_the_reports_of_an_earlier_run(tmp_path):
    (tmp_path / "contract-html").mkdir()
    (tmp_path / "contract-html" / "stale.html").write_text("old", encoding="utf-8")
    unit = _junit_part(tmp_path / ".unit", {"GET /books/": None})
    stateful = _junit_part(tmp_path / ".stateful", {"Stateful tests": None})
    merge_group_reports(tmp_path, [unit, stateful])
    assert sorted(p.name for p in (tmp_path / "contract-html").iterdir()) == ["index.html"]
    assert ElementTree.parse(tmp_path / JUNIT_NAME).getroot().get("failures") == "0"


def test_rerun_command_repeats_the_options_a_command_line_can_carry(tmp_path):
    spec = tmp_path / "my spec.json"
    options = GateOptions(
        app="books:create_app", spec=spec, auth="books.gate:auth", base_url=None, max_examples=3, workers=2
    )
    command = rerun_command(options, "ci", 11)
    assert command == (
        f"python -m contract_tests run --profile ci --seed 11 --app books:create_app --spec '{spec}' "
        "--auth books.gate:auth --max-examples 3 --workers 2"
    )


def test_rerun_command_leaves_out_what_only_python_can_pass():
    options = GateOptions(
        app=lambda: None, auth=lambda client, identity: {}, base_url="http://127.0.0.1:8000"
    )
    command = rerun_command(options, "fast", 5)
    assert command == "python -m contract_tests run --profile fast --seed 5 --base-url http://127.0.0.1:8000"
