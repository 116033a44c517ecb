"""One plan per run, resolved once from the options, the profile and the environment; the rest reads it."""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract_tests.auth import AuthHook, AuthHookError
from contract_tests.credentials import GivenAuth, given_auth
from contract_tests.defaults import DEFAULT_APP
from contract_tests.max_time import TimeBudgets, parse_max_time
from contract_tests.options import GateOptions
from contract_tests.profiles import PHASES, Profile, get_profile
from contract_tests.shards import Shard, parse_shard, select
from contract_tests.spec_check import SpecDefect, check_document, unloadable
from contract_tests.target import (
    AppFactory,
    TargetError,
    is_served_path,
    is_url,
    resolve_spec,
    resolve_target,
)
from openapi.document import operations

if TYPE_CHECKING:  # SQLAlchemy and psycopg (the `postgres` extra) are needed only for --fresh-database
    from contract_tests.databases import FreshDatabases

# The stateful phase gets the profile's scenarios for every this many operations: a sequence tests a few
# operations, so a fixed number of them would test a big API's links ever more thinly.
OPERATIONS_PER_STATEFUL_BUDGET = 10


def stateful_scenarios(max_examples: int, operations: int) -> int:
    """Scenarios of the stateful phase: the per-operation budget, once per ten operations (at least once)."""
    return max_examples * max(1, operations // OPERATIONS_PER_STATEFUL_BUDGET)


@dataclass(frozen=True, slots=True)
class GatePlan:
    """Everything a run does, decided: no part of the gate looks at options, profile or environment again."""

    profile: Profile
    seed: int
    max_examples: int
    phases: tuple[str, ...]
    stateful_max_steps: int
    # Scenarios (sequences of up to `stateful_max_steps` calls) of the stateful phase: grows with the API.
    stateful_max_examples: int
    workers: int
    spec: str
    # Every operation of the spec (`GET /books/{id}`), in document order: read once, here.
    labels: tuple[str, ...]
    # What the spec check found in the document before any pass, by operation (see `spec_check`).
    spec_defects: dict[str, tuple[SpecDefect, ...]]
    app: str | AppFactory | None
    base_url: str | None
    database_url: str | None
    fresh_databases: FreshDatabases | None
    auth: str | AuthHook
    # Credentials given without code (`--header`, `--bearer-env`, `--api-key-env`, OAuth2 accounts).
    given_auth: GivenAuth
    reports_dir: Path | None
    example_database: Path | None
    operations: tuple[str, ...] | None
    replay: bool
    require_status_coverage: bool
    shard: Shard | None
    # `--max-time`: the run's seconds and each phase's, and the monotonic instant (shared by the run's
    # processes) the run's end at.
    max_time: TimeBudgets
    deadline: float | None
    # The options as given: the rerun line repeats them, not what they resolved to.
    options: GateOptions


def build_plan(options: GateOptions) -> GatePlan:
    """Options first, then CONTRACT_* variables, then the profile, then the repository's defaults."""
    profile = get_profile(options.profile)
    phases = options.phases or profile.phases
    unknown = [phase for phase in phases if phase not in PHASES]
    if unknown:
        raise ValueError(f"Unknown phase(s) {', '.join(unknown)}; choose from: {', '.join(PHASES)}")
    run_phases = tuple(phase for phase in PHASES if phase in phases)
    max_time = parse_max_time(options.max_time, run_phases)
    seed = options.seed if options.seed is not None else profile.seed
    if seed is None:
        # Drawn once, so every process of the run and its replay share it.
        seed = secrets.randbelow(2**63)
    base_url = options.base_url or os.environ.get("CONTRACT_BASE_URL") or None
    app = None if base_url else options.app or os.environ.get("CONTRACT_APP") or DEFAULT_APP
    chosen_hook = options.auth or os.environ.get("CONTRACT_AUTH")
    given = resolve_given_auth(options)
    if given.given and chosen_hook is not None:
        raise AuthHookError(
            f"--header/--bearer-env/--api-key-env/--oauth2-password-env replace the auth hook, but one was "
            f"chosen too ({chosen_hook!r}, from --auth or CONTRACT_AUTH); drop one of them."
        )
    spec = resolve_spec(options.spec)
    fresh = _fresh_databases(options, base_url)
    shard = parse_shard(options.shard) if options.shard else None
    document = read_spec(spec, app=app, base_url=base_url)
    problem = unloadable(document)
    if problem is not None:
        raise TargetError(f"The spec {spec} cannot be tested: {problem}.")
    labels = [op.label for op in operations(document)]
    selected = options.operations
    if shard is not None:
        mine = select(labels, shard)
        selected = tuple(label for label in mine if selected is None or label in selected)
    max_examples = options.max_examples or profile.max_examples
    tested = len(labels) if selected is None else len(selected)
    return GatePlan(
        profile=profile,
        seed=seed,
        max_examples=max_examples,
        phases=run_phases,
        stateful_max_steps=profile.stateful_max_steps,
        stateful_max_examples=stateful_scenarios(max_examples, tested),
        workers=_workers(options, profile),
        spec=spec,
        labels=tuple(labels),
        spec_defects=check_document(document),
        app=app,
        base_url=base_url,
        database_url=options.database_url,
        fresh_databases=fresh,
        auth=chosen_hook or "default",
        given_auth=given,
        reports_dir=options.reports_dir,
        example_database=options.example_database,
        operations=selected,
        replay=options.replay,
        require_status_coverage=options.require_status_coverage,
        shard=shard,
        max_time=max_time,
        deadline=time.monotonic() + max_time.run if max_time.run is not None else None,
        options=options,
    )


def _workers(options: GateOptions, profile: Profile) -> int:
    """An explicit --workers is obeyed; a profile's default never asks for more processes than cores.

    Nor does it share one database (`--database-url`) between processes: they would see each other's rows
    (the same example user registered twice), and the run would depend on their timing, not on the seed.
    """
    if options.workers:
        return options.workers
    if options.database_url is not None:
        return 1
    return min(profile.workers, os.cpu_count() or 1)


def _fresh_databases(options: GateOptions, base_url: str | None) -> FreshDatabases | None:
    if options.fresh_database is None:
        return None
    if options.database_url is not None:
        raise ValueError("--database-url shares one database, --fresh-database makes new ones: choose one")
    if base_url:
        raise ValueError("--fresh-database is for the in-process app; a server (--base-url) has its own")
    from contract_tests.databases import FreshDatabases

    return FreshDatabases.on(options.fresh_database)


# Each option of auth without code, and the variable that sets it when the option is not given.
AUTH_VARIABLES = {
    "bearer_env": "CONTRACT_BEARER_ENV",
    "api_key_env": "CONTRACT_API_KEY_ENV",
    "oauth2_password_env": "CONTRACT_OAUTH2_PASSWORD_ENV",
    "oauth2_scope": "CONTRACT_OAUTH2_SCOPE",
    "peer_bearer_env": "CONTRACT_PEER_BEARER_ENV",
    "peer_api_key_env": "CONTRACT_PEER_API_KEY_ENV",
    "peer_oauth2_password_env": "CONTRACT_PEER_OAUTH2_PASSWORD_ENV",
    "security_scheme": "CONTRACT_SECURITY_SCHEME",
}


def resolve_given_auth(options: GateOptions) -> GivenAuth:
    """The options' auth without code, each falling back to its CONTRACT_* variable."""
    chosen = {
        name: getattr(options, name) or os.environ.get(variable) or None
        for name, variable in AUTH_VARIABLES.items()
    }
    return given_auth(headers=options.headers, **chosen)


def spec_labels(
    location: str, *, app: str | AppFactory | None = None, base_url: str | None = None
) -> list[str]:
    """The operation labels (`GET /books/{id}`) of the spec at a path or URL, in document order."""
    from openapi.document import operations

    return [op.label for op in operations(read_spec(location, app=app, base_url=base_url))]


def read_spec(location: str, *, app: str | AppFactory | None = None, base_url: str | None = None) -> Any:
    """The document at a path or URL, parsed (JSON or YAML), as the gate will test it.

    A spec the app serves (`/openapi.json`) is fetched from the app (or server) given, built once for it.
    Text that is neither JSON nor YAML is a TargetError naming the line YAML stopped at.
    """
    import yaml

    if is_served_path(location):
        target = resolve_target(app=app or DEFAULT_APP, spec=location, base_url=base_url)
        try:
            return target.document or {}
        finally:
            target.close()
    if is_url(location):
        import requests

        text = requests.get(location, timeout=30).text
    else:
        text = Path(location).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)  # YAML is a superset of JSON, and Schemathesis takes either
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise TargetError(f"The spec {location} is neither JSON nor YAML: {problem}{where}.") from exc
