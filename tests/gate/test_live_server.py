"""`--base-url`: the same gate over real HTTP against our app served by gunicorn, as `make serve` runs it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import GateOptions, run_gate
from contract_tests.profiles import PROFILES
from contract_tests.target import APP_ENVIRONMENT
from tests.live_servers import wait_until_ready
from tests.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Our app under gunicorn on a free port, on a fresh SQLite file; stopped even when a test fails."""
    gunicorn, flask = BIN / "gunicorn", BIN / "flask"
    if not (gunicorn.exists() and flask.exists()):
        pytest.skip(f"gunicorn and flask are not installed next to {sys.executable}")
    workdir = tmp_path_factory.mktemp("live")
    env = {name: value for name, value in os.environ.items() if not name.startswith("CONTRACT_")}
    env.update(
        DATABASE_URL=f"sqlite:///{workdir / 'live.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(32),
        **APP_ENVIRONMENT,
    )
    subprocess.run(
        [str(flask), "--app", "app", "init-db"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "app:create_app()"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_gate_passes_over_http_against_a_running_server(server_url, tmp_path):
    report = run_gate(
        GateOptions(
            base_url=server_url,
            profile="fast",
            seed=PROFILES["fast"].seed,
            example_database=None,
            replay=False,
        )
    )
    assert report.ok, report.render()
    assert report.target == f"server {server_url}"
    assert report.totals.requests > 0 and report.totals.checks_run > report.totals.requests
    observed = {row.operation: set(row.observed) for row in report.coverage}
    assert all(row.cases > 0 for row in report.coverage), report.coverage_table()
    # Real users signed in over HTTP, created todos and found them gone after deleting them.
    assert {201, 401} <= observed["POST /api/todos"]
    assert {204, 404} <= observed["DELETE /api/todos/{todo_id}"]
    assert 200 in observed["POST /api/auth/login"]


def test_spec_served_by_the_server_can_be_the_contract(server_url):
    """`--spec URL`: the document the running service publishes, narrowed to one operation here."""
    report = run_gate(
        GateOptions(
            base_url=server_url,
            spec=f"{server_url}/openapi.json",
            operations=("GET /healthz",),
            phases=("examples", "coverage"),
            profile="fast",
            example_database=None,
            replay=False,
        )
    )
    assert report.ok, report.render()
    assert report.spec == f"{server_url}/openapi.json"
    assert [(row.operation, row.observed) for row in report.coverage] == [("GET /healthz", [200])]
    assert report.totals.requests > 0
