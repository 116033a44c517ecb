"""How long the app takes to answer when its database refuses connections, never answers, or is fine.

In-process (Flask test client): the figures are the app's own waits, without a server in front.
Usage: `.venv/bin/python bench/database_down.py [--samples 5] [--connect-timeout 2]`.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.database import init_db  # noqa: E402
from tests.ports import free_port  # noqa: E402

BEARER = {"Authorization": "Bearer not-a-token"}
CALLS = {
    "GET /healthz": ("get", "/healthz", {}),
    "GET /api/todos": ("get", "/api/todos", {"headers": BEARER}),
    "POST /api/auth/login": ("post", "/api/auth/login", {"json": {"username": "ada", "password": "x" * 12}}),
}


def measure(url: str, connect_timeout: int, samples: int) -> dict[str, tuple[int, float]]:
    """Each call's status and median seconds on an app whose database is `url`."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "DATABASE_CONNECT_TIMEOUT": connect_timeout,
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_COST": 256,
        }
    )
    if url.startswith("sqlite"):
        init_db(app)
    client = app.test_client()
    results = {}
    for name, (method, path, kwargs) in CALLS.items():
        times, status = [], 0
        for _ in range(samples):
            started = time.monotonic()
            status = getattr(client, method)(path, **kwargs).status_code
            times.append(time.monotonic() - started)
        results[name] = (status, statistics.median(times))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--connect-timeout", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, socket.create_server(("127.0.0.1", 0), backlog=64) as hole:
        databases = {
            "SQLite, healthy": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            "PostgreSQL, port closed": f"postgresql://postgres@127.0.0.1:{free_port()}/nothing",
            "PostgreSQL, never answers": f"postgresql://postgres@127.0.0.1:{hole.getsockname()[1]}/nothing",
        }
        print(f"connect timeout {args.connect_timeout} s, median of {args.samples}")
        print(f"{'database':28} {'call':22} {'status':>6} {'seconds':>8}")
        for label, url in databases.items():
            for name, (status, seconds) in measure(url, args.connect_timeout, args.samples).items():
                print(f"{label:28} {name:22} {status:>6} {seconds:>8.3f}")


if __name__ == "__main__":
    main()
