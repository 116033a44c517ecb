"""In production, gunicorn's error and access logs and the app's records are all JSON lines, joined by id."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.live_servers import STARTUP_SECONDS, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _first_answer(url: str, server: subprocess.Popen) -> requests.Response:
    """The first response from `url` (any status): the database here is down, so /healthz is never 200."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return requests.get(url, headers={"X-Request-ID": "live-json-1"}, timeout=2)
        except requests.RequestException:  # not listening yet
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer {url} (exit code {server.poll()})")


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        # Nothing listens there: the app logs a warning for the request, which the test looks for.
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/nothing",
        "PORT": str(port),
        "WORKERS": "1",
        "ACCESS_LOG": "-",
    }
    env.pop("LOG_FORMAT", None)
    stdout, stderr = tmp_path / "stdout", tmp_path / "stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        server = subprocess.Popen(
            [BIN / "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    try:
        response = _first_answer(f"http://127.0.0.1:{port}/healthz", server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "live-json-1"
    lines = stderr.read_text().splitlines() + stdout.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # fails on any line that is not one JSON object
    by_logger = {e["logger"] for e in entries}
    assert {"gunicorn.error", "gunicorn.access", "app.health"} <= by_logger, by_logger
    for entry in entries:
        assert {"time", "level", "logger", "message", "request_id"} <= entry.keys(), entry
    ours = [e for e in entries if e["request_id"] == "live-json-1"]
    assert {e["logger"] for e in ours} == {"app.health", "app", "gunicorn.access"}, ours
    assert any(e["level"] == "WARNING" and "refused" in e["message"] for e in ours), ours
    access = next(e for e in ours if e["logger"] == "gunicorn.access")
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 503)
