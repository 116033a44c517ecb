"""The gate's options as a caller gives them (CLI, pytest entry, Python); `plan.py` resolves them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from contract_tests.auth import AuthHook
from contract_tests.max_time import MaxTime
from contract_tests.profiles import DEFAULT_PROFILE
from contract_tests.target import AppFactory

# Hypothesis' example database: failing examples found by one run are replayed first by the next.
# Set explicitly, because with CI=true Hypothesis' `ci` profile would turn the database off.
DEFAULT_EXAMPLE_DATABASE = Path(".hypothesis") / "examples"


@dataclass(slots=True)
class GateOptions:
    """One gate run. Every field has the default `make contract` uses; None means "not given"."""

    app: str | AppFactory | None = None
    spec: str | os.PathLike[str] | None = None
    profile: str = DEFAULT_PROFILE
    seed: int | None = None
    workers: int | None = None
    base_url: str | None = None
    reports_dir: Path | None = None
    require_status_coverage: bool = False
    replay: bool = True
    auth: str | AuthHook | None = None
    # Static credentials instead of a hook: "Name: value" headers, and the variable holding a bearer token.
    headers: tuple[str, ...] = ()
    bearer_env: str | None = None
    # Credentials placed where the spec's securitySchemes say: an API key, OAuth2 password-grant accounts
    # ("USER_ENV:PASS_ENV"), and the same for the second identity; `security_scheme` picks among schemes.
    api_key_env: str | None = None
    oauth2_password_env: str | None = None
    oauth2_scope: str | None = None
    peer_bearer_env: str | None = None
    peer_api_key_env: str | None = None
    peer_oauth2_password_env: str | None = None
    security_scheme: str | None = None
    # The in-process app's database, shared by every process of the run; None: one of its own for each.
    database_url: str | None = None
    # A PostgreSQL server URL: each process of the run (and the replay) gets a new database on it, dropped
    # afterwards; None: a temporary SQLite file each.
    fresh_database: str | None = None
    example_database: Path | None = DEFAULT_EXAMPLE_DATABASE
    # Narrow a run (the pytest entry runs one operation per test): labels such as "GET /api/todos".
    operations: tuple[str, ...] | None = None
    phases: tuple[str, ...] | None = None
    max_examples: int | None = None
    # "K/N": test only the K-th of N deterministic slices of the operations (1 <= K <= N).
    shard: str | None = None
    # Wall-clock budgets: seconds for the whole run (at the deadline the engine is stopped and what ran is
    # reported), or the command line's text, which may budget phases too: "300,stateful=60", "fuzzing=120".
    max_time: MaxTime | None = None
