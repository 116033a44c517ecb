"""Slow clients against `make serve`: how long `/healthz` takes while N connections stall mid-request.

Each slow connection sends half a request header, or a complete header that promises a body and then
only one byte of it, and then waits. Usage: `.venv/bin/python bench/slow_clients.py [--slow 4 8 16]`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ports import free_port  # noqa: E402

HALF_HEADER = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
PARTIAL_BODY = (
    b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 50\r\n\r\n{"
)


def healthz_seconds(url: str, samples: int = 5) -> float:
    """Median time of a `/healthz` answer on a new connection (10 s when it does not answer)."""
    times = []
    for _ in range(samples):
        started = time.monotonic()
        try:
            requests.get(url + "/healthz", timeout=10).raise_for_status()
            times.append(time.monotonic() - started)
        except requests.RequestException:
            times.append(10.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slow", type=int, nargs="+", default=[4, 8, 32])
    args = parser.parse_args()
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="slow-clients-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'slow.sqlite3'}", "ACCESS_LOG": "/dev/null"}
    command = ["make", "--no-print-directory", "serve", f"PORT={port}"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        print(
            f"make serve (gunicorn.conf.py, WORKERS={env.get('WORKERS', 2)}, THREADS={env.get('THREADS', 8)})"
        )
        print(f"{'slow connections':>18}  {'kind':<13}  /healthz median of 5")
        print(f"{0:>18}  {'-':<13}  {healthz_seconds(url) * 1000:8.1f} ms")
        for count in args.slow:
            for kind, payload in (("half header", HALF_HEADER), ("1 body byte", PARTIAL_BODY)):
                sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
                for sock in sockets:
                    sock.sendall(payload)
                time.sleep(0.5)
                print(f"{count:>18}  {kind:<13}  {healthz_seconds(url) * 1000:8.1f} ms")
                for sock in sockets:
                    sock.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
