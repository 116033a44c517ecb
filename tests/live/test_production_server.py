"""gunicorn as production runs it, on a database that is down: quick enveloped 503s and JSON log lines."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.live_servers import STARTUP_SECONDS
from tests.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONNECT_TIMEOUT = 2
pytestmark = pytest.mark.slow


@dataclass(slots=True)
class Server:
    url: str
    process: subprocess.Popen
    stdout: Path
    stderr: Path

    def log_entries(self) -> list[dict]:
        """Every line gunicorn and the app wrote, each parsed as one JSON object (fails on any other)."""
        lines = self.stderr.read_text().splitlines() + self.stdout.read_text().splitlines()
        return [json.loads(line) for line in lines]


@contextmanager
def production_server(database_url: str, workdir: Path) -> Iterator[Server]:
    """`gunicorn.conf.py` with APP_ENV=production on `database_url`, answering (any status) on a free port."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "PORT": str(port),
        "WORKERS": "1",
        "ACCESS_LOG": "-",
    }
    env.pop("LOG_FORMAT", None)
    stdout, stderr = workdir / "stdout", workdir / "stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [BIN / "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    server = Server(f"http://127.0.0.1:{port}", process, stdout, stderr)
    try:
        _wait_until_listening(port, server.process)
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)


def _wait_until_listening(port: int, process: subprocess.Popen) -> None:
    """The database is down, so /healthz is never 200: wait for the port instead."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not listen on {port} (exit code {process.poll()})")


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    # Nothing listens there: the app logs a warning for the request, which the test looks for.
    with production_server(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", tmp_path) as server:
        response = requests.get(server.url + "/healthz", headers={"X-Request-ID": "live-json-1"}, timeout=5)
    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "live-json-1"
    entries = server.log_entries()
    by_logger = {e["logger"] for e in entries}
    assert {"gunicorn.error", "gunicorn.access", "app.health"} <= by_logger, by_logger
    for entry in entries:
        assert {"time", "level", "logger", "message", "request_id"} <= entry.keys(), entry
    ours = [e for e in entries if e["request_id"] == "live-json-1"]
    assert {e["logger"] for e in ours} == {"app.health", "app", "gunicorn.access"}, ours
    assert any(e["level"] == "WARNING" and "refused" in e["message"] for e in ours), ours
    access = next(e for e in ours if e["logger"] == "gunicorn.access")
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 503)


def test_a_database_that_never_answers_gets_quick_enveloped_503s(tmp_path):
    """The case that used to hang login and /healthz for 30 s and end in gunicorn's HTML 500."""
    with (
        socket.create_server(("127.0.0.1", 0), backlog=64) as hole,
        production_server(
            f"postgresql://postgres@127.0.0.1:{hole.getsockname()[1]}/nothing", tmp_path
        ) as server,
    ):
        timings = {}
        for name, call in {
            "healthz": lambda: requests.get(server.url + "/healthz", timeout=10),
            "login": lambda: requests.post(
                server.url + "/api/auth/login", json={"username": "alice", "password": "x" * 12}, timeout=10
            ),
        }.items():
            started = time.monotonic()
            response = call()
            timings[name] = time.monotonic() - started
            assert response.status_code == 503, (name, response.text[:300])
            assert response.headers["Content-Type"] == "application/json", response.headers
            assert response.json()["code"] == 503 and int(response.headers["Retry-After"]) >= 0
    assert timings["healthz"] < 1.5, timings
    assert timings["login"] < CONNECT_TIMEOUT + 2, timings
