"""The parity script's reading of Go checker tests: pairs, verdicts and skip reasons on a written snippet."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "oasdiff_parity.py"

RULES_GO = """
const (
	RequestBodyMaxLengthDecreasedId = "request-body-max-length-decreased"
	ResponseHeaderAddedId           = "response-header-added"
	ApiDeprecatedId                 = "endpoint-deprecated"
	PatternAddedCommentId           = "pattern-added-comment"
)
var rules = []Rule{
	newBackwardCompatibilityRule(RequestBodyMaxLengthDecreasedId, ERR, SomeCheck, DirectionRequest),
	newBackwardCompatibilityRule(ResponseHeaderAddedId, INFO, OtherCheck, DirectionResponse),
	newBackwardCompatibilityRule(ApiDeprecatedId, WARN, ThirdCheck, DirectionNone),
}
var (
	deprecationFile = dataFileFn("deprecation")
)
"""

TESTS_GO = """
func TestBreakingPair(t *testing.T) {
	s1, err := open("../data/checker/max_base.yaml")
	require.NoError(t, err)
	s2, err := open("../data/checker/max_revision.yaml")
	require.NoError(t, err)
	d, osm, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	require.NoError(t, err)
	errs := checker.CheckBackwardCompatibilityUntilLevel(allChecksConfig(), d, osm, checker.INFO)
	require.ElementsMatch(t, []checker.ApiChange{{
		Id:      checker.RequestBodyMaxLengthDecreasedId,
		Comment: checker.PatternAddedCommentId,
	}, {
		Id: checker.ResponseHeaderAddedId,
	}}, errs)
}

func TestInfoOnly(t *testing.T) {
	s1, err := open(deprecationFile("base.yaml"))
	require.NoError(t, err)
	s2, err := open(deprecationFile("revision.yaml"))
	require.NoError(t, err)
	d, osm, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	require.NoError(t, err)
	errs := checker.CheckBackwardCompatibilityUntilLevel(allChecksConfig(), d, osm, checker.INFO)
	require.Len(t, errs, 1)
	require.Equal(t, "response-header-added", errs[0].GetId())
}

func TestInfoAmongOthers(t *testing.T) {
	errs := d(t, diff.NewConfig(), 1, 2)
	requireChange(t, errs, checker.ResponseHeaderAddedId)
}

func TestNumberedEmpty(t *testing.T) {
	errs := d(t, diff.NewConfig(), 1, 3)
	require.Empty(t, errs)
}

func TestWarning(t *testing.T) {
	s1 := l(t, 1)
	s2 := l(t, 2)
	d, osm, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	require.NoError(t, err)
	errs := checker.CheckBackwardCompatibility(allChecksConfig(), d, osm)
	requireSingleChange(t, errs, checker.ApiDeprecatedId)
	requireNoChange(t, errs, checker.RequestBodyMaxLengthDecreasedId)
}

func TestMutated(t *testing.T) {
	s1, err := open("../data/checker/max_base.yaml")
	require.NoError(t, err)
	s2, err := open("../data/checker/max_base.yaml")
	require.NoError(t, err)
	s2.Spec.Paths.Value("/pets").Post.Deprecated = true
	d, osm, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	require.NoError(t, err)
	errs := checker.CheckBackwardCompatibility(allChecksConfig(), d, osm)
	require.Empty(t, errs)
}

func TestMutatedByHelper(t *testing.T) {
	s1 := l(t, 1)
	s2 := l(t, 1)
	responseHeaderSchema(s2).Nullable = true
	d, osm, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	require.NoError(t, err)
	errs := checker.CheckBackwardCompatibility(allChecksConfig(), d, osm)
	require.Len(t, errs, 1)
}

func TestTable(t *testing.T) {
	for _, file := range files {
		s1, err := open(file)
		require.NoError(t, err)
		s2, err := open(file)
		require.NoError(t, err)
		d, osm, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
		require.NoError(t, err)
		require.Empty(t, checker.CheckBackwardCompatibility(allChecksConfig(), d, osm))
	}
}

func TestSingleCheckEmpty(t *testing.T) {
	errs := d(t, diff.NewConfig(), 4, 5)
	errs = checker.CheckBackwardCompatibility(singleCheckConfig(checker.SomeCheck), dd, osm)
	require.Empty(t, errs)
}

func TestSingleCheckInfo(t *testing.T) {
	errs := d(t, diff.NewConfig(), 4, 5)
	errs = checker.CheckBackwardCompatibilityUntilLevel(singleCheckConfig(checker.X), dd, osm, checker.INFO)
	requireSingleChange(t, errs, checker.ResponseHeaderAddedId)
}

func TestSingleCheckBreaking(t *testing.T) {
	errs := d(t, diff.NewConfig(), 4, 5)
	errs = checker.CheckBackwardCompatibility(singleCheckConfig(checker.SomeCheck), dd, osm)
	requireSingleChange(t, errs, checker.RequestBodyMaxLengthDecreasedId)
}

func TestCountOnly(t *testing.T) {
	errs := d(t, diff.NewConfig(), 6, 7)
	require.Len(t, errs, 2)
}

func TestNoPair(t *testing.T) {
	require.Equal(t, "x", checker.ERR.String())
}
"""


@pytest.fixture(scope="module")
def parity() -> ModuleType:
    spec = importlib.util.spec_from_file_location("oasdiff_parity", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cases(parity: ModuleType) -> dict[str, object]:
    catalogue = parity.read_catalogue([RULES_GO, TESTS_GO])
    return {case.test: case for case in parity.parse_tests(TESTS_GO, catalogue)}


def test_catalogue_maps_constants_to_rule_ids_and_levels(parity: ModuleType) -> None:
    catalogue = parity.read_catalogue([RULES_GO])
    assert catalogue.ids["ApiDeprecatedId"] == "endpoint-deprecated"
    assert catalogue.levels == {
        "request-body-max-length-decreased": "ERR",
        "response-header-added": "INFO",
        "endpoint-deprecated": "WARN",
    }
    assert catalogue.data_fns == {"deprecationFile": "deprecation"}


def test_every_test_function_is_found(cases: dict[str, object]) -> None:
    assert len(cases) == 13


def test_an_asserted_err_change_makes_the_pair_breaking(cases: dict, parity: ModuleType) -> None:
    case = cases["TestBreakingPair"]
    assert (case.base, case.revision) == (
        "../data/checker/max_base.yaml",
        "../data/checker/max_revision.yaml",
    )
    assert case.expected == parity.BREAKING
    assert case.rules == [
        "request-body-max-length-decreased"
    ]  # the ERR one; the INFO one and the comment not
    assert case.skipped is None


def test_info_only_through_a_path_function_and_a_string_id(cases: dict, parity: ModuleType) -> None:
    case = cases["TestInfoOnly"]
    assert (case.base, case.revision) == (
        "../data/deprecation/base.yaml",
        "../data/deprecation/revision.yaml",
    )
    assert (case.expected, case.rules) == (parity.NON_BREAKING, ["response-header-added"])


def test_numbered_specs_and_empty_assertion(cases: dict, parity: ModuleType) -> None:
    case = cases["TestNumberedEmpty"]
    assert (case.base, case.revision) == ("../data/openapi-test1.yaml", "../data/openapi-test3.yaml")
    assert (case.expected, case.rules) == (parity.NON_BREAKING, [])


def test_a_single_check_can_still_assert_a_breaking_change(cases: dict, parity: ModuleType) -> None:
    case = cases["TestSingleCheckBreaking"]
    assert (case.expected, case.rules, case.skipped) == (
        parity.BREAKING,
        ["request-body-max-length-decreased"],
        None,
    )


@pytest.mark.parametrize("test", ["TestSingleCheckEmpty", "TestSingleCheckInfo"])
def test_a_single_check_non_breaking_verdict_is_kept_and_marked(
    cases: dict, parity: ModuleType, test: str
) -> None:
    case = cases[test]
    assert (case.expected, case.skipped, case.single_check) == (parity.NON_BREAKING, None, True)
    assert not cases["TestNumberedEmpty"].single_check


def test_warn_level_and_negative_assertions_ignored(cases: dict, parity: ModuleType) -> None:
    case = cases["TestWarning"]
    assert (case.base, case.revision) == ("../data/openapi-test1.yaml", "../data/openapi-test2.yaml")
    assert (case.expected, case.rules) == (parity.WARNING, ["endpoint-deprecated"])


@pytest.mark.parametrize(
    ("test", "reason"),
    [
        ("TestMutated", "mutates the loaded spec in Go"),
        ("TestMutatedByHelper", "mutates the loaded spec in Go"),
        ("TestTable", "file chosen at run time (table-driven)"),
        ("TestCountOnly", "no verdict asserted"),
        ("TestInfoAmongOthers", "asserts a change is among them, not that none is breaking"),
        ("TestNoPair", "no spec pair diffed"),
    ],
)
def test_unreproducible_tests_are_skipped_with_their_reason(cases: dict, test: str, reason: str) -> None:
    assert cases[test].skipped == reason
    assert cases[test].expected is None


def test_a_failure_of_our_diff_is_counted_and_named_not_raised(
    parity: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(
        base: Path, revision: Path, levels: str, scope: set[str] | None = None
    ) -> tuple[str, list[str]]:
        raise KeyError("paths")

    monkeypatch.setattr(parity, "our_verdict", broken)
    case = parity.Case("TestX", "../data/a.yaml", "../data/b.yaml", parity.BREAKING, ["rule-a"])
    parity.report(
        [case, parity.Case("TestY", skipped="no spec pair diffed")], tmp_path, "oasdiff", show_pairs=False
    )
    out = capsys.readouterr().out
    assert "test functions found: 2\npairs parsed: 1\nskipped: 1\n" in out
    assert "tracebacks: 1\n  TestX: ../data/a.yaml -> ../data/b.yaml: KeyError: 'paths'" in out
    assert "breaking caught: 0/1 (0.0%)" in out  # a pair our diff fails on is not caught
    assert "misses (breaking, not flagged) by expected rule id:\n     1  rule-a" in out


def _spec(paths: dict[str, object]) -> str:
    import json

    return json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths})


def test_end_to_end_on_a_checkout_runs_our_diff_on_each_pair(
    parity: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = {"get": {"operationId": "list", "responses": {"200": {"description": "ok"}}}}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "base.json").write_text(_spec({"/a": ok, "/b": ok}))
    (tmp_path / "data" / "removed.json").write_text(_spec({"/a": ok}))
    (tmp_path / "checker").mkdir()
    (tmp_path / "checker" / "rules.go").write_text(RULES_GO)
    pair = """
func Test{name}(t *testing.T) {{
	s1, err := open("../data/{base}")
	s2, err := open("../data/{rev}")
	d, osm, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	errs := checker.CheckBackwardCompatibility(allChecksConfig(), d, osm)
	{assertion}
}}
"""
    (tmp_path / "checker" / "pairs_test.go").write_text(
        pair.format(
            name="Removed",
            base="base.json",
            rev="removed.json",
            assertion="requireSingleChange(t, errs, checker.RequestBodyMaxLengthDecreasedId)",
        )
        + pair.format(name="Same", base="base.json", rev="base.json", assertion="require.Empty(t, errs)")
        + pair.format(name="Missing", base="base.json", rev="gone.json", assertion="require.Empty(t, errs)")
    )
    assert parity.main(["--oasdiff", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "test functions found: 3\npairs parsed: 2\nskipped: 1\n     1  spec file not found\n" in out
    assert "breaking caught: 1/1 (100.0%)\nnon-breaking not flagged: 1/1 (100.0%)\n" in out
    assert "tracebacks: 0\n" in out


def test_the_sweep_diffs_every_spec_with_its_neighbour_and_counts_refusals(
    parity: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = {"get": {"operationId": "list", "responses": {"200": {"description": "ok"}}}}
    (tmp_path / "checker").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.json").write_text(_spec({"/a": ok}))
    (tmp_path / "data" / "b.json").write_text(_spec({"/b": ok}))
    (tmp_path / "data" / "swagger.yaml").write_text("swagger: '2.0'\n")
    assert parity.main(["--oasdiff", str(tmp_path), "--sweep"]) == 0
    assert "sweep: 3 spec files, 1 refused with an error, 4 diffs, 0 raised\n" in capsys.readouterr().out


def test_a_folder_without_checker_tests_is_a_clear_error(
    parity: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parity.main(["--oasdiff", str(tmp_path)]) == 2
    assert "has no checker/ folder; pass an oasdiff checkout" in capsys.readouterr().err
