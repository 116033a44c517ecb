"""`python -m contract_tests run` / `contract-gate run`: the gate from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from contract_tests.auth import AuthHookError
from contract_tests.gate import GateOptions, run_gate, write_unrunnable_reports
from contract_tests.merge import MergeError, merge_reports
from contract_tests.profiles import DEFAULT_PROFILE, PHASES, PROFILES
from contract_tests.target import TargetError

DEFAULT_REPORTS_DIR = Path("reports")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contract-gate", description="Schemathesis against the published OpenAPI document, in-process."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="Run the contract gate", description=_profiles_help())
    run.formatter_class = argparse.RawDescriptionHelpFormatter
    run.add_argument(
        "--profile", choices=list(PROFILES), default=DEFAULT_PROFILE, help="budget (default: ci)"
    )
    run.add_argument("--app", help="module:factory of the Flask/WSGI app (default: CONTRACT_APP or our app)")
    run.add_argument(
        "--spec", help="path or URL of the spec (default: CONTRACT_SPEC or openapi/openapi.json)"
    )
    run.add_argument("--base-url", help="test a running server over HTTP instead of an in-process app")
    run.add_argument(
        "--auth", help="module:callable auth hook (default: CONTRACT_AUTH or register+login; 'none')"
    )
    run.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header on every request instead of the auth hook (repeatable), e.g. an API key",
    )
    run.add_argument(
        "--bearer-env",
        metavar="NAME",
        help="send 'Authorization: Bearer <token>' with the token read from the environment variable NAME",
    )
    _add_spec_auth_arguments(run)
    run.add_argument(
        "--database-url",
        help="one database for the in-process app, shared by its processes (default: a new SQLite file each)",
    )
    run.add_argument(
        "--fresh-database",
        metavar="POSTGRES_URL",
        help="on this PostgreSQL server, a new database for each process of the run, dropped afterwards",
    )
    run.add_argument("--seed", type=int, help="Hypothesis seed (default: the profile's)")
    run.add_argument(
        "--workers",
        type=int,
        help="processes: 2 runs the per-operation phases and the stateful one side by side",
    )
    run.add_argument("--max-examples", type=int, help="override the profile's examples per operation")
    run.add_argument(
        "--phases",
        type=lambda text: tuple(part.strip() for part in text.split(",") if part.strip()),
        help=f"comma-separated phases to run instead of the profile's (from: {','.join(PHASES)})",
    )
    run.add_argument(
        "--require-status-coverage",
        action="store_true",
        help="fail when a documented status code was never observed",
    )
    run.add_argument(
        "--reports", type=Path, default=DEFAULT_REPORTS_DIR, help="reports directory (default: reports)"
    )
    run.add_argument("--no-replay", action="store_true", help="do not re-send failures to detect flaky ones")
    run.add_argument(
        "--shard", metavar="K/N", help="test the K-th of N deterministic slices of the operations"
    )
    run.add_argument(
        "--max-time",
        action="append",
        metavar="SECONDS|PHASE=SECONDS",
        help=(
            "wall-clock budget of the whole run (SECONDS), or of one phase (PHASE=SECONDS: the phase "
            "ends, the run goes on); repeatable or comma-separated, e.g. 300,stateful=60 "
            f"(phases: {','.join(PHASES)})"
        ),
    )
    merge = commands.add_parser(
        "merge-reports", help="Join the reports of shards (--shard K/N runs) into one report"
    )
    merge.add_argument("directories", nargs="+", type=Path, help="each shard's --reports directory")
    merge.add_argument(
        "--out", type=Path, default=DEFAULT_REPORTS_DIR, help="merged reports directory (default: reports)"
    )
    return parser


def _add_spec_auth_arguments(run: argparse.ArgumentParser) -> None:
    """Auth without code whose placement the spec's securitySchemes decide, and the second identity."""
    auth = run.add_argument_group(
        "auth without code", "credentials from the environment, sent where the spec's securitySchemes say"
    )
    auth.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="send the API key in $NAME as the spec's apiKey scheme says (header, query or cookie)",
    )
    auth.add_argument(
        "--oauth2-password-env",
        metavar="USER_ENV:PASS_ENV",
        help="get a bearer token with OAuth2's password grant at the spec's flows.password.tokenUrl",
    )
    auth.add_argument("--oauth2-scope", metavar="SCOPE", help="the `scope` the password grant asks for")
    auth.add_argument(
        "--security-scheme", metavar="NAME", help="the securitySchemes entry to use when several fit"
    )
    for option, metavar, like in (
        ("--peer-bearer-env", "NAME", "--bearer-env"),
        ("--peer-api-key-env", "NAME", "--api-key-env"),
        ("--peer-oauth2-password-env", "USER_ENV:PASS_ENV", "--oauth2-password-env"),
    ):
        auth.add_argument(
            option, metavar=metavar, help=f"a second identity, as {like}, for object_level_authorization"
        )


def _profiles_help() -> str:
    lines = ["Profiles:"]
    for profile in PROFILES.values():
        seed = profile.seed if profile.seed is not None else "random"
        lines.append(
            f"  {profile.name:5} {profile.max_examples} examples/operation, "
            f"phases {','.join(profile.phases)}, workers {profile.workers}, seed {seed}: "
            f"{profile.description}"
        )
    return "\n".join(lines)


def _echo(line: str) -> None:
    # One write per line: the gate's processes share the terminal.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when the gate passes, 1 when it fails, 2 when it cannot run."""
    args = build_parser().parse_args(argv)
    if args.command == "merge-reports":
        return _merge(args.directories, args.out)
    # `--app` and `--auth` name modules of the project the gate is run from, as `flask --app` does.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    options = GateOptions(
        app=args.app,
        spec=args.spec,
        profile=args.profile,
        seed=args.seed,
        workers=args.workers,
        base_url=args.base_url,
        reports_dir=args.reports,
        require_status_coverage=args.require_status_coverage,
        replay=not args.no_replay,
        auth=args.auth,
        headers=tuple(args.header),
        bearer_env=args.bearer_env,
        api_key_env=args.api_key_env,
        oauth2_password_env=args.oauth2_password_env,
        oauth2_scope=args.oauth2_scope,
        peer_bearer_env=args.peer_bearer_env,
        peer_api_key_env=args.peer_api_key_env,
        peer_oauth2_password_env=args.peer_oauth2_password_env,
        security_scheme=args.security_scheme,
        database_url=args.database_url,
        fresh_database=args.fresh_database,
        max_examples=args.max_examples,
        phases=args.phases,
        shard=args.shard,
        max_time=",".join(args.max_time) if args.max_time else None,
    )
    try:
        report = run_gate(options, echo=_echo)
    except (TargetError, AuthHookError, ValueError) as exc:
        print(f"contract gate: {exc}", file=sys.stderr)
        for name, path in write_unrunnable_reports(options, str(exc)).items():
            print(f"contract gate: {name}: {path}", file=sys.stderr)
        return 2
    print()
    print(report.render())
    return 0 if report.ok else 1


def _merge(directories: list[Path], out: Path) -> int:
    try:
        report = merge_reports(directories, out)
    except MergeError as exc:
        print(f"contract gate: {exc}", file=sys.stderr)
        return 2
    print(report.render())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
