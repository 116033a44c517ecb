"""Agreement of `python -m openapi diff` with the verdicts of oasdiff's own checker tests.

oasdiff's Go tests (`checker/*_test.go`) load public spec pairs from its `data/` folder and assert what
its checker reports for them. This script reads those tests with regexes, keeps each test that diffs one
pair of files unchanged (tests that mutate the loaded spec in Go, loop over tables or pass custom options
are skipped with their reason), and derives the expected verdict from the asserted rule ids and their
level in oasdiff's `rules.go`: breaking when an ERR change is asserted, warning for WARN, non-breaking
when only INFO changes (the whole list of them) or none are asserted. When a test ran one check only
(`singleCheckConfig`), its non-breaking verdict is about that check's rules, so only our changes mapped to
those rules count. It runs our diff in-process on each pair and prints how often the verdicts agree, the
pairs where our diff raised, and the misses and false alarms by rule. `--sweep` also diffs every spec of
`data/` with its neighbour, to find specs our diff raises on.

Nothing of oasdiff is part of this repository: check it out anywhere and point the script at it.

    .venv/bin/python bench/oasdiff_parity.py --oasdiff PATH/TO/oasdiff [--levels oasdiff|ours] [--show-pairs]
        [--sweep]
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

BREAKING, WARNING, NON_BREAKING, TRACEBACK = "breaking", "warning", "non-breaking", "traceback"

_TEST_FUNC = re.compile(r"^func (Test\w+)\(t \*testing\.T\) \{\n(.*?)^\}", re.M | re.S)
_ID_CONST = re.compile(r"^\s*(\w+Id)\s*=\s*\"([\w-]+)\"", re.M)
_RULE_LEVEL = re.compile(r"newBackwardCompatibilityRule\(\s*(\w+Id),\s*(ERR|WARN|INFO),\s*(\w+)")
_SINGLE_CHECK = re.compile(r"singleCheckConfig\(checker\.(\w+)\)")
_DATA_FN = re.compile(r"(\w+)\s*=\s*dataFileFn\(\"([\w./-]+)\"\)")
_LOAD = re.compile(r"^\s*(\w+)(?:,\s*err)?\s*:?=\s*(open|l|loadFrom)\((.*)\)\s*$", re.M)
_PAIR = re.compile(r"GetWithOperationsSourcesMap\(([^,]+),\s*(\w+),\s*(\w+)\)")
_D_LOADER = re.compile(r"\berrs\s*:?=\s*d\(t,\s*([^,]+),\s*(\d+),\s*(\d+)\)")
_STABILITY = re.compile(r"stabilityChanges\(t,\s*\"([^\"]+)\",\s*\"([^\"]+)\"")
_CHECK_CALL = re.compile(r"CheckBackwardCompatibility(?:UntilLevel)?\((\w+\((?:[^()]|\([^()]*\))*\))")
_ASSERTED_ID = re.compile(r"checker\.(\w+Id)\b")
_NEGATIVE = re.compile(r"requireNoChange|require\.False|NotContains|NotEqual|Comment:")
_GET_LEVEL = re.compile(r"checker\.(ERR|WARN|INFO),\s*\w+\[\d+\]\.GetLevel\(\)")
_QUOTED_ID = re.compile(r"\"([a-z][a-z0-9-]+)\"")
# assertions that pin down every change returned, so a WARN or INFO one means nothing worse was found
_EXACT = re.compile(
    r"require\.(?:Len\(t, errs, \d+\)|Empty\(t, errs\)|ElementsMatch|Equal\(t, \d+, len\(errs\)\))"
    r"|requireSingle(?:Api)?Change|requireApiChanges"
)
_NON_EMPTY = re.compile(
    r"require\.(?:NotEmpty\(t, errs\)|Len\(t, errs, [1-9]\d*\)|Equal\(t, [1-9]\d*, len\(errs\)\))"
)
_UNTIL_ERR = re.compile(r"CheckBackwardCompatibilityUntilLevel\(.*,\s*checker\.ERR\)")
_LEVEL_FIELD = re.compile(r"Level:\s*checker\.(ERR|WARN|INFO)\b")
_EMPTY = re.compile(r"require\.(?:Empty\(t, errs\)|Len\(t, errs, 0\))")
_STRING = re.compile(r"^\"([^\"]+)\"$")
_LEVEL_VERDICT = {"ERR": BREAKING, "WARN": WARNING, "INFO": NON_BREAKING}


@dataclass(slots=True)
class Case:
    """One Go test: the pair it diffs and the verdict it asserts, or why it was skipped."""

    test: str
    base: str | None = None  # relative to oasdiff's `checker/` folder, as the Go test opens it
    revision: str | None = None
    expected: str | None = None
    rules: list[str] = field(default_factory=list)  # asserted rule ids at the verdict's level
    skipped: str | None = None
    single_check: bool = False  # oasdiff ran one check only: a non-breaking verdict is about that check
    scope: set[str] = field(default_factory=set)  # rule ids of the checks oasdiff ran, when only some


@dataclass(slots=True)
class Catalogue:
    """What oasdiff's sources say about its rules: id constant -> rule id, rule id -> level."""

    ids: dict[str, str]
    levels: dict[str, str]
    data_fns: dict[str, str]
    check_rules: dict[str, set[str]] = field(default_factory=dict)  # check function -> its rule ids


def read_catalogue(sources: Iterable[str]) -> Catalogue:
    """Collect rule ids, their levels and the `dataFileFn` path functions from Go sources."""
    ids: dict[str, str] = {}
    data_fns: dict[str, str] = {}
    rule_levels: list[tuple[str, str, str]] = []
    for text in sources:
        ids.update(_ID_CONST.findall(text))
        data_fns.update(_DATA_FN.findall(text))
        rule_levels += _RULE_LEVEL.findall(text)
    levels = {ids[const]: level for const, level, _ in rule_levels if const in ids}
    check_rules: dict[str, set[str]] = {}
    for const, _, check in rule_levels:
        if const in ids:
            check_rules.setdefault(check, set()).add(ids[const])
    return Catalogue(ids, levels, data_fns, check_rules)


def _path(expr: str, loader: str, cat: Catalogue) -> str | None:
    """The file a Go load expression opens, or None when it is not a literal we can follow."""
    args = [a.strip() for a in expr.split(",")]
    if loader == "l" and len(args) >= 2 and args[1].isdigit():
        return f"../data/openapi-test{args[1]}.yaml"
    if loader == "loadFrom" and len(args) == 3 and _STRING.match(args[1]) and args[2].isdigit():
        return f"{_STRING.match(args[1]).group(1)}spec{args[2]}.yaml"
    if loader == "open" and len(args) == 1:
        if literal := _STRING.match(args[0]):
            return literal.group(1)
        call = re.match(r"^(\w+)\(\"([^\"]+)\"\)$", args[0])
        if call and call.group(1) in cat.data_fns:
            return f"../data/{cat.data_fns[call.group(1)]}/{call.group(2)}"
    return None


def _mutated(body: str, var: str) -> bool:
    """Whether the test changes the loaded spec before diffing: it touches `var.Spec`, or hands `var` to a
    helper (`setRequestBodyType(t, s1, ...)`, `responseHeaderSchema(s1).Nullable = true`)."""
    for line in body.splitlines():
        if _LOAD.match(line) or _PAIR.search(line) or not re.search(rf"\b{var}\b", line):
            continue
        if re.search(rf"\b{var}\.Spec\b|\w\([^)]*\b{var}\b", line):
            return True
    return False


def _pair(body: str, cat: Catalogue) -> tuple[str | None, str | None, str | None]:
    """(base, revision, reason to skip) of the one pair a test body diffs."""
    if found := _D_LOADER.search(body):
        if found.group(1).strip() != "diff.NewConfig()":
            return None, None, "custom diff config"
        return (
            f"../data/openapi-test{found.group(2)}.yaml",
            f"../data/openapi-test{found.group(3)}.yaml",
            None,
        )
    if found := _STABILITY.search(body):
        folder = cat.data_fns.get("stabilityFile", "stability")
        return f"../data/{folder}/{found.group(1)}", f"../data/{folder}/{found.group(2)}", None
    pairs = _PAIR.findall(body)
    if not pairs:
        return None, None, "no spec pair diffed"
    if len(pairs) > 1:
        return None, None, "several diffs in one test"
    config, base_var, rev_var = pairs[0]
    if config.strip() not in ("diff.NewConfig()", "&diff.Config{}"):
        return None, None, "custom diff config"
    loads = {var: (loader, expr) for var, loader, expr in _LOAD.findall(body)}
    if base_var not in loads or rev_var not in loads:
        return None, None, "spec not loaded by a known Go function"
    for var in (base_var, rev_var):
        if _mutated(body, var):
            return None, None, "mutates the loaded spec in Go"
    base, rev = (
        _path(loads[base_var][1], loads[base_var][0], cat),
        _path(loads[rev_var][1], loads[rev_var][0], cat),
    )
    if base is None or rev is None:
        return None, None, "file chosen at run time (table-driven)"
    return base, rev, None


def _expected(body: str, cat: Catalogue) -> tuple[str | None, list[str], str | None]:
    """(verdict, asserted rule ids, reason to skip) from a test body's assertions."""
    checks = _CHECK_CALL.findall(body)
    if not checks and not (_STABILITY.search(body) or _D_LOADER.search(body)):  # both functions check
        return None, [], "no checker call"
    for config in checks:
        if not re.fullmatch(r"allChecksConfig\(\)|singleCheckConfig\(checker\.\w+\)", config):
            return None, [], "custom checker options"
    rules, levels = [], {*_LEVEL_FIELD.findall(body), *_GET_LEVEL.findall(body)}
    for line in body.splitlines():
        if _NEGATIVE.search(line):
            continue
        for const in _ASSERTED_ID.findall(line):
            rule = cat.ids.get(const)
            if rule is None or rule not in cat.levels:
                return None, [], "asserted rule with no level in rules.go"
            rules.append(rule)
            levels.add(cat.levels[rule])
        if "GetId()" in line:
            rules += [r for r in _QUOTED_ID.findall(line) if r in cat.levels]
            levels.update(cat.levels[r] for r in _QUOTED_ID.findall(line) if r in cat.levels)
    if not levels:
        if _EMPTY.search(body):
            return NON_BREAKING, [], None
        if _NON_EMPTY.search(body) and _UNTIL_ERR.search(body):  # only ERR changes are returned
            return BREAKING, [], None
        return None, [], "no verdict asserted"
    for level in ("ERR", "WARN", "INFO"):
        if level in levels:
            if level != "ERR" and not _EXACT.search(body):
                return None, [], "asserts a change is among them, not that none is breaking"
            return _LEVEL_VERDICT[level], sorted({r for r in rules if cat.levels[r] == level}), None
    raise AssertionError(levels)  # unreachable: every level is one of the three


def parse_tests(text: str, cat: Catalogue) -> list[Case]:
    """Every `func TestX(t *testing.T)` of one Go file, as a case or a skip with its reason."""
    cases = []
    for name, body in _TEST_FUNC.findall(text):
        case = Case(name)
        case.base, case.revision, case.skipped = _pair(body, cat)
        if case.skipped is None:
            case.expected, case.rules, case.skipped = _expected(body, cat)
            case.single_check = "singleCheckConfig(" in body
            case.scope = {r for check in _SINGLE_CHECK.findall(body) for r in cat.check_rules.get(check, ())}
        cases.append(case)
    return cases


def collect(oasdiff: Path) -> list[Case]:
    """Parse all checker tests of an oasdiff checkout; keep only pairs whose files exist."""
    files = sorted((oasdiff / "checker").glob("*.go"))
    texts = {f: f.read_text(encoding="utf-8") for f in files}
    cat = read_catalogue(texts.values())
    cases = [c for f, text in texts.items() if f.name.endswith("_test.go") for c in parse_tests(text, cat)]
    for case in cases:
        if case.skipped is None and not all(
            (oasdiff / "checker" / p).is_file() for p in (case.base, case.revision)
        ):
            case.skipped = "spec file not found"
    return cases


def our_verdict(
    base: Path, revision: Path, levels: str, scope: set[str] | None = None
) -> tuple[str, list[str]]:
    """Our diff's verdict on one pair at `levels` (ours or oasdiff's), and the rules that made it.

    `scope`: only our changes whose rule is one of these oasdiff rule ids count."""
    from openapi import diff
    from openapi import document as d
    from openapi.diff import rules

    policy = rules.LevelPolicy(levels)  # no project config: every rule at the chosen base's level
    changes = diff.find_changes(d.load(str(base)), d.load(str(revision)), policy)
    if scope:
        changes = [c for c in changes if rules.RULES[c.rule].id_in_oasdiff in scope]
    for level, verdict in ((rules.BREAKING, BREAKING), (rules.WARNING, WARNING)):
        fired = sorted({c.rule for c in changes if c.level == level})
        if fired:
            return verdict, fired
    return NON_BREAKING, []


def _ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.1f}%)" if total else "0/0 (n/a)"


def report(cases: list[Case], oasdiff: Path, levels: str, show_pairs: bool) -> None:
    """Run our diff on every parsed pair and print the agreement figures."""
    checked = [c for c in cases if c.skipped is None]
    print(f"test functions found: {len(cases)}")
    print(f"pairs parsed: {len(checked)}")
    print(f"skipped: {len(cases) - len(checked)}")
    for reason, count in Counter(c.skipped for c in cases if c.skipped).most_common():
        print(f"  {count:4}  {reason}")
    print(f"levels: {levels} (as `python -m openapi diff --levels {levels}`)")
    crashes: list[tuple[Case, str]] = []
    outcome: dict[str, Counter[str]] = {v: Counter() for v in (BREAKING, WARNING, NON_BREAKING)}
    misses: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    single: Counter[bool] = (
        Counter()
    )  # non-breaking pairs oasdiff judged with one check: flagged by us or not
    for case in checked:
        folder = oasdiff / "checker"
        try:
            # A non-breaking verdict of one oasdiff check says nothing of the others: only our changes
            # under that check's rules can contradict it. A breaking verdict is met by any breaking change.
            scope = case.scope if case.expected == NON_BREAKING else None
            ours, fired = our_verdict(folder / case.base, folder / case.revision, levels, scope)
        except Exception as exc:  # any failure of ours on a valid pair is a finding, not a crash
            crashes.append((case, f"{type(exc).__name__}: {exc}"))
            if show_pairs:
                traceback.print_exc()
            ours, fired = TRACEBACK, []  # counts as a disagreement either way
        outcome[case.expected][ours] += 1
        if case.expected == BREAKING and ours != BREAKING:
            misses.update(case.rules)
        flagged = ours in (BREAKING, TRACEBACK)
        if case.expected == NON_BREAKING and case.single_check:
            single[flagged] += 1
        if case.expected == NON_BREAKING and flagged:
            note = " [one oasdiff check ran]" if case.single_check else ""
            alarms.update(
                f"{r} (ours: {', '.join(fired)}){note}" for r in case.rules or ["(no change asserted)"]
            )
        if show_pairs:
            print(f"  {case.test}: expected {case.expected}, ours {ours} {fired}")
    caught, b_total = outcome[BREAKING][BREAKING], sum(outcome[BREAKING].values())
    quiet = outcome[NON_BREAKING][NON_BREAKING] + outcome[NON_BREAKING][WARNING]
    n_total = sum(outcome[NON_BREAKING].values())
    print(f"breaking caught: {_ratio(caught, b_total)}")
    print(f"non-breaking not flagged: {_ratio(quiet, n_total)}")
    one, one_total = single[False], single[False] + single[True]
    print(f"  where oasdiff ran all checks: {_ratio(quiet - one, n_total - one_total)}")
    print(f"  where oasdiff ran one check only: {_ratio(one, one_total)}")
    print(f"overall agreement (breaking vs not): {_ratio(caught + quiet, b_total + n_total)}")
    warn = outcome[WARNING]
    print(
        f"warning pairs: {sum(warn.values())} (ours: " + ", ".join(f"{k} {v}" for k, v in warn.items()) + ")"
    )
    print(f"tracebacks: {len(crashes)}")
    for case, message in crashes:
        print(f"  {case.test}: {case.base} -> {case.revision}: {message[:200]}")
    for title, table in (("misses (breaking, not flagged)", misses), ("false alarms (flagged)", alarms)):
        print(f"{title} by expected rule id:")
        for rule, count in table.most_common():
            print(f"  {count:4}  {rule}")


def sweep(oasdiff: Path) -> None:
    """Robustness: diff every spec under `data/` with the next one in its folder, at both levels; count the
    files we refuse (with a clear error) and the diffs that raise."""
    from openapi import diff
    from openapi import document as d
    from openapi.diff import rules

    files = sorted(p for p in (oasdiff / "data").rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    docs, refused = {}, 0
    for path in files:
        try:
            docs[path] = d.load(str(path))
        except d.SpecError:
            refused += 1
    folders: dict[Path, list[Path]] = {}
    for path in docs:
        folders.setdefault(path.parent, []).append(path)
    runs, crashes = 0, []
    for paths in folders.values():
        for base, head in zip(paths, paths[1:] + paths[:1], strict=True):
            for levels in (rules.OURS, rules.OASDIFF):
                runs += 1
                try:
                    diff.find_changes(docs[base], docs[head], rules.LevelPolicy(levels))
                except Exception as exc:  # a finding: reported, never raised
                    crashes.append(f"{base.name} -> {head.name}: {type(exc).__name__}: {exc}")
    print(f"sweep: {len(files)} spec files, {refused} refused with an error, {runs} diffs, ", end="")
    print(f"{len(crashes)} raised")
    for line in crashes:
        print(f"  {line[:200]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--oasdiff", required=True, type=Path, help="an oasdiff checkout (its checker/, data/)"
    )
    parser.add_argument(
        "--levels",
        choices=("oasdiff", "ours"),
        default="oasdiff",
        help="rule levels to diff with (oasdiff's)",
    )
    parser.add_argument("--show-pairs", action="store_true", help="print each pair's verdicts and tracebacks")
    parser.add_argument(
        "--sweep", action="store_true", help="also diff every spec of data/ with its neighbour (robustness)"
    )
    args = parser.parse_args(argv)
    if not (args.oasdiff / "checker").is_dir():
        print(f"error: {args.oasdiff} has no checker/ folder; pass an oasdiff checkout", file=sys.stderr)
        return 2
    report(collect(args.oasdiff), args.oasdiff, args.levels, args.show_pairs)
    if args.sweep:
        sweep(args.oasdiff)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
