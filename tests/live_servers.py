"""Starting a real server for a test: a free port, and waiting until it answers `/healthz`."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import requests

STARTUP_SECONDS = 30


def wait_until_ready(url: str, server: subprocess.Popen, log: Path) -> None:
    """Fail the test with the server's log if it exits, or if it does not answer in time."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or too busy to answer in time
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer {url}/healthz within {STARTUP_SECONDS} s")
