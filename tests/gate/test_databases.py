"""Databases of a two-process run: each process prepares one of its own; a shared one is prepared once.

Two processes running the app's init command at once on one database race on CREATE TABLE (PostgreSQL
answers a unique violation on pg_type). These tests run the gate's preparation with two processes and
replace only the engine pass that would follow, so they check which process ran `init-db` on which database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import text

from contract_tests import engine, target
from contract_tests.collector import Collector
from contract_tests.databases import FreshDatabases, admin_engine, fresh_postgres_database
from contract_tests.defaults import DEFAULT_SPEC
from contract_tests.gate import GateOptions
from contract_tests.plan import build_plan
from contract_tests.workers import run_groups

PG_URL = os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Enough fresh shared databases that the old race (one run in three) would have shown up.
SHARED_ROUNDS = 20


@pytest.fixture
def init_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each `init-db` the gate runs, as `pid database_url` lines; the engine pass after it is skipped.

    Forked processes inherit the patches, and appends of one short line from several processes stay whole.
    """
    log = tmp_path / "init.log"
    real_init = target._init_database

    def recorded_init(app: object) -> None:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {os.environ['DATABASE_URL']}\n")
        real_init(app)

    def no_engine_pass(built, plan, echo, **_):
        return engine.PassResult(Collector(seed=plan.seed), plan.seed, {}, built.description, built.spec)

    monkeypatch.setattr(target, "_init_database", recorded_init)
    monkeypatch.setattr(engine, "_run_on", no_engine_pass)
    return log


def inits(log: Path) -> list[tuple[int, str]]:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [(int(pid), url) for pid, url in (line.split(" ", 1) for line in lines)]


def prepare_two_processes(app: str, spec: Path, **options: object) -> None:
    plan = build_plan(GateOptions(app=app, spec=spec, profile="ci", workers=2, **options))
    assert plan.workers == 2
    run_groups(plan, lambda _line: None)


def test_a_shared_database_is_prepared_once_by_the_parent_before_the_processes_start(
    init_log, books_spec, tmp_path
):
    shared = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    prepare_two_processes("tests.gate.factories:app_with_init_db", books_spec, database_url=shared)
    assert inits(init_log) == [(os.getpid(), shared)], "init-db must run once, before the processes fork"


def test_each_pass_prepares_a_database_of_its_own(init_log, books_spec):
    prepare_two_processes("tests.gate.factories:app_with_init_db", books_spec)
    seen = inits(init_log)
    assert len(seen) == 2
    (first_pid, first_url), (second_pid, second_url) = seen
    # Processes take passes from a queue, so one quick process may run both: what matters is that each pass
    # prepares a database of its own, in a worker process and not in the parent.
    assert os.getpid() not in (first_pid, second_pid)
    assert first_url != second_url and all(url.startswith("sqlite:///") for url in (first_url, second_url))


def test_a_shared_database_is_not_what_a_profile_shares_by_default(books_spec, tmp_path):
    shared = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    by_default = build_plan(GateOptions(spec=books_spec, profile="ci", database_url=shared))
    asked = build_plan(GateOptions(spec=books_spec, profile="ci", database_url=shared, workers=2))
    assert (by_default.workers, asked.workers) == (1, 2)


def test_fresh_and_shared_databases_exclude_each_other(books_spec):
    with pytest.raises(ValueError, match="choose one"):
        build_plan(GateOptions(spec=books_spec, database_url="sqlite:///x.db", fresh_database=PG_URL))
    with pytest.raises(ValueError, match="in-process app"):
        build_plan(GateOptions(spec=books_spec, base_url="http://127.0.0.1:9", fresh_database=PG_URL))
    with pytest.raises(ValueError, match="postgresql:// URL"):
        build_plan(GateOptions(spec=books_spec, fresh_database="sqlite:///x.db"))


# PostgreSQL, with our app and its own `init-db`: PG_URL names the server (as for the If-Match race test).


@pytest.fixture
def server_databases() -> Iterator[Callable[[], set[str]]]:
    """The names of the server's databases, read with a connection of its own; skips without a server."""
    admin = admin_engine(PG_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any reason the server cannot be used skips these tests
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {PG_URL}: {exc}")

    def names() -> set[str]:
        with admin.connect() as connection:
            return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())

    yield names
    admin.dispose()


@pytest.mark.postgres
def test_fresh_database_gives_each_process_a_postgres_database_of_its_own(init_log, server_databases):
    before = server_databases()
    plan = build_plan(GateOptions(profile="ci", workers=2, fresh_database=PG_URL))
    run_groups(plan, lambda _line: None)
    urls = [url for _pid, url in inits(init_log)]
    names = {url.rsplit("/", 1)[1] for url in urls}
    assert len(urls) == 2 and len(names) == 2, f"one database per process, got {urls}"
    assert all(name.startswith(plan.fresh_databases.prefix + "_") for name in names)
    assert server_databases() == before, "each process drops its database when it is done"


@pytest.mark.postgres
def test_a_shared_postgres_database_is_prepared_once_and_never_raced(init_log, server_databases):
    for _ in range(SHARED_ROUNDS):
        with fresh_postgres_database(PG_URL, "contract_shared") as shared:
            prepare_two_processes("app:create_app", DEFAULT_SPEC, database_url=shared)
    seen = inits(init_log)
    assert len(seen) == len({url for _pid, url in seen}) == SHARED_ROUNDS, "one init-db per database"
    assert {pid for pid, _url in seen} == {os.getpid()}, "run by the parent, before the processes fork"


@pytest.mark.postgres
def test_leftovers_of_a_killed_process_are_dropped_and_nothing_else(server_databases):
    run, other_run = FreshDatabases.on(PG_URL), FreshDatabases.on(PG_URL)
    with ExitStack() as stack:
        # Entered and never left by the process that made it, as when that process is killed.
        left_behind = stack.enter_context(run.database()).rsplit("/", 1)[1]
        other = stack.enter_context(other_run.database()).rsplit("/", 1)[1]
        assert run.drop_leftovers() == [left_behind]
        assert left_behind not in server_databases()
        assert other in server_databases(), "another run's database is not touched"
