"""Command line: `build`, `check`, `lint PATH`, `diff BASE [HEAD]`, `changelog BASE [HEAD]`, `rules`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openapi import accepted as acc
from openapi import build, check, lint
from openapi import document as d

DEFAULT_HEAD_LABEL = "openapi/openapi.json"


def _targets(args: argparse.Namespace) -> tuple[Path, Path]:
    out = Path(args.out) if args.out else build.SPEC_DIR
    return out / "openapi.json", out / "openapi.yaml"


def _factory(args: argparse.Namespace) -> Callable[..., Any] | None:
    return build.load_factory(args.app) if args.app else None


def _cmd_build(args: argparse.Namespace) -> int:
    json_path, yaml_path = _targets(args)
    written = build.write_spec(build.build_spec(_factory(args)), json_path, yaml_path)
    for path in written:
        print(f"wrote {path.name}")
    if not written:
        print(f"{json_path.name} and {yaml_path.name} are up to date")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    json_path, yaml_path = _targets(args)
    result = check.check(json_path, yaml_path, _factory(args))
    print(check.report(result, json_path))
    return 0 if result.ok else 1


def _cmd_lint(args: argparse.Namespace) -> int:
    try:
        doc = d.load(args.path)
    except d.SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    findings = lint.lint(doc)
    base_uri = "" if args.path.startswith("git:") else Path(args.path).resolve().as_uri()
    errors = check.validate(doc, base_uri) if args.validate else []
    if args.format == "json":
        payload = {"findings": [f.as_dict() for f in findings], "validation_errors": errors}
        print(json.dumps(payload, indent=2))
    else:
        for error in errors:
            print(f"meta-schema: {error}")
        if findings:
            print(lint.format_findings(findings))
        print(f"{args.path}: {len(findings)} lint finding(s), {len(errors)} meta-schema error(s)")
    return 1 if findings or errors else 0


def _load_pair(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    base = d.load(args.base, git_path=args.git_path)
    head = d.load(args.head or str(build.JSON_PATH), git_path=args.git_path)
    return base, head


def _cmd_diff(args: argparse.Namespace) -> int:
    """Load both specs, classify, print, and exit 1 when it must fail (2 when something cannot be read)."""
    from openapi import diff
    from openapi.diff import options, render

    try:
        base, head = _load_pair(args)
        opts = options.resolve(
            Path(args.config) if args.config else None,
            levels=args.levels,
            severity=args.severity,
            fail_on=args.fail_on,
            deprecation_days_beta=args.deprecation_days_beta,
            deprecation_days_stable=args.deprecation_days_stable,
        )
        accepted = acc.load(Path(args.accepted) if args.accepted else None, known=diff.RULES)
    except (d.SpecError, acc.AcceptedError, options.OptionsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = diff.compare(base, head, accepted, opts.fail_on, opts.policy)
    print(render.RENDERERS[args.format](result, args.base, args.head or DEFAULT_HEAD_LABEL))
    return 1 if result.failed else 0


def _cmd_changelog(args: argparse.Namespace) -> int:
    """Every change from BASE to HEAD, grouped by operation, for the people who use the API."""
    from openapi import diff
    from openapi.diff import changelog, options

    try:
        base, head = _load_pair(args)
        opts = options.resolve(
            Path(args.config) if args.config else None,
            levels=args.levels,
            deprecation_days_beta=args.deprecation_days_beta,
            deprecation_days_stable=args.deprecation_days_stable,
        )
    except (d.SpecError, options.OptionsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = diff.compare(base, head, policy=opts.policy)
    print(changelog.RENDERERS[args.format](result, args.base, args.head or DEFAULT_HEAD_LABEL))
    return 0


def _cmd_rules(args: argparse.Namespace) -> int:
    from openapi import diff

    print("lint rules:")
    for rule in lint.RULES:
        print(f"  {rule.id:30} {rule.summary}")
    print("diff rules (level, oasdiff's level):")
    for rule in diff.RULES.values():
        print(f"  {rule.id:50} {rule.level:9} {rule.oasdiff_level:9} {rule.summary}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openapi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="write openapi/openapi.json and openapi.yaml from the app")
    p.set_defaults(func=_cmd_build)
    p = sub.add_parser("check", help="fail on drift between code and published spec; validate and lint it")
    p.set_defaults(func=_cmd_check)
    for name in ("build", "check"):
        p = sub.choices[name]
        p.add_argument("--app", help="another app factory, `module:function` (default: this project's app)")
        p.add_argument("--out", help="folder of openapi.json and openapi.yaml (default: the openapi package)")
    p = sub.add_parser("lint", help="lint any OpenAPI 3.0/3.1 file (JSON or YAML)")
    p.add_argument("path")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--no-validate", dest="validate", action="store_false", help="skip the meta-schema check")
    p.set_defaults(func=_cmd_lint)
    p = sub.add_parser("diff", help="classify the changes from BASE to HEAD: breaking, warning, info")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--accepted", help="accepted changes file (default: openapi/accepted-changes.yaml)")
    p.add_argument(
        "--fail-on",
        type=str.lower,
        choices=("breaking", "warning", "err", "warn"),
        help="lowest level that fails the run unless the major version was increased (default: breaking)",
    )
    p.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="RULE=LEVEL",
        help="set one rule's level (breaking, warning, info); repeatable",
    )
    p.set_defaults(func=_cmd_diff)
    p = sub.add_parser("changelog", help="list every change from BASE to HEAD, grouped by operation")
    p.add_argument("--format", choices=("markdown", "text", "json"), default="markdown")
    p.set_defaults(func=_cmd_changelog)
    for name in ("diff", "changelog"):
        p = sub.choices[name]
        p.add_argument("base", help="a file, `git:REF` (reads --git-path at REF) or `git:REF:PATH`")
        p.add_argument(
            "head", nargs="?", help="same forms as BASE (default: the published openapi/openapi.json)"
        )
        p.add_argument("--git-path", default=d.DEFAULT_GIT_PATH, help="the spec's path inside the repository")
        p.add_argument(
            "--levels",
            choices=("ours", "oasdiff"),
            help="every rule at our level or at oasdiff's (default: ours, or the config file's)",
        )
        p.add_argument("--config", help="diff configuration file (default: openapi/diff-config.yaml)")
        for stability in ("beta", "stable"):
            p.add_argument(
                f"--deprecation-days-{stability}",
                type=int,
                metavar="N",
                help=f"a deprecated {stability} operation or parameter needs an `x-sunset` at least N days "
                "away (default: 0, no sunset required)",
            )
    p = sub.add_parser("rules", help="list the lint and diff rule ids")
    p.set_defaults(func=_cmd_rules)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m openapi` and of the `openapi-contract` script."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `... | head`: the reader is gone, which is not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
