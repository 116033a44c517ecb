"""JUnit files joined into one: each test case once, a failing version first, totals recounted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from xml.etree import ElementTree


def merge_junit(sources: Iterable[Path], destination: Path) -> None:
    """Write one JUnit file holding every test case of `sources` (Schemathesis' one-suite layout)."""
    roots = [ElementTree.parse(source).getroot() for source in sources]
    if not roots:
        raise ValueError("no JUnit file to merge")
    merged = roots[0]
    suite = merged.find("testsuite")
    if suite is None:
        raise ValueError(f"{destination}: the first JUnit file has no <testsuite>")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    for other in roots[1:]:
        for case in other.iter("testcase"):
            existing = cases.get(case.get("name"))
            if existing is None:
                suite.append(case)
                cases[case.get("name")] = case
            elif _failed(case) and not _failed(existing):  # the same operation, failing in the other file
                suite.remove(existing)
                suite.append(case)
                cases[case.get("name")] = case
    seconds = sum(float(case.get("time") or 0) for case in cases.values())
    for element in (merged, suite):
        element.set("tests", str(len(cases)))
        element.set("time", f"{seconds:.6f}")  # not the first file's time alone
        for counter, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            element.set(counter, str(sum(1 for case in cases.values() if case.find(tag) is not None)))
    destination.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.indent(merged)
    ElementTree.ElementTree(merged).write(destination, encoding="utf-8", xml_declaration=True)


def _failed(case: ElementTree.Element) -> bool:
    return case.find("failure") is not None or case.find("error") is not None


def write_error_junit(destination: Path, message: str) -> None:
    """A JUnit file for a run that could not start: one test case in error, saying why (CI shows it)."""
    suites = ElementTree.Element("testsuites", tests="1", failures="0", errors="1", time="0")
    suite = ElementTree.SubElement(suites, "testsuite", name="contract-gate", tests="1", errors="1", time="0")
    case = ElementTree.SubElement(suite, "testcase", name="contract gate", time="0")
    ElementTree.SubElement(case, "error", message=message.splitlines()[0] if message else "").text = message
    destination.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.indent(suites)
    ElementTree.ElementTree(suites).write(destination, encoding="utf-8", xml_declaration=True)


# The testsuite properties that name the phases `--max-time` cut short: `max-time.cut-short.fuzzing`.
CUT_SHORT_PROPERTY = "max-time.cut-short."


def add_cut_short(path: Path, cuts: Iterable[tuple[str, str]], note: str) -> None:
    """Say which phases `--max-time` cut short, and by which budget, in the JUnit file.

    `cuts` are (phase, budget as given); each becomes a testsuite property (for tools), and `note` the
    suite's system-out (what CI pages show). Properties written before (a shard's) are replaced.
    """
    root = ElementTree.parse(path).getroot()
    suite = root.find("testsuite")
    if suite is None:
        return
    properties = suite.find("properties")
    if properties is None:
        properties = ElementTree.Element("properties")
        suite.insert(0, properties)
    for old in list(properties):
        if (old.get("name") or "").startswith(CUT_SHORT_PROPERTY):
            properties.remove(old)
    for phase, budget in cuts:
        ElementTree.SubElement(properties, "property", name=CUT_SHORT_PROPERTY + phase, value=budget)
    out = suite.find("system-out")
    if out is None:
        out = ElementTree.SubElement(suite, "system-out")
    out.text = f"Stopped: {note}"
    ElementTree.indent(root)
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def add_gate_failures(path: Path, failures: Iterable[tuple[str, str, str]]) -> None:
    """Put failures Schemathesis' JUnit handler never saw (probes, sign-in) under their operation's test case.

    `failures` are (operation, message, details); a test case that has no `<failure>` yet gets one.
    """
    root = ElementTree.parse(path).getroot()
    suite = root.find("testsuite")
    if suite is None:
        return
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    for operation, message, details in failures:
        case = cases.get(operation)
        if case is None:
            case = ElementTree.SubElement(suite, "testcase", name=operation, time="0")
            cases[operation] = case
        if case.find("failure") is None:
            ElementTree.SubElement(case, "failure", type="failure", message=message).text = details
    for element in (root, suite):
        element.set("tests", str(len(cases)))
        element.set("failures", str(sum(1 for case in cases.values() if case.find("failure") is not None)))
    ElementTree.indent(root)
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
