"""gunicorn started the way `make serve` starts it (`init-db`, then gunicorn.conf.py), on a free port."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from contract_tests.defaults import CHEAP_PASSWORD_HASHING

from .client import Client

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 30
# Every simulated client registers from 127.0.0.1: per-address limits would measure the limiter, not the
# service. The variable is the rate limiter's switch; a server without one ignores it.
BENCH_ENVIRONMENT = {"RATELIMIT_ENABLED": "false", **CHEAP_PASSWORD_HASHING}


class ServerError(RuntimeError):
    """gunicorn exited or did not answer in time; the message carries its log."""


class Server:
    """A gunicorn master in its own process group, logging to a file; it can be stopped and started again."""

    def __init__(self, database_url: str, port: int, workers: int, threads: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.env = {
            **os.environ,
            **BENCH_ENVIRONMENT,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": str(workers),
            "THREADS": str(threads),
            "ACCESS_LOG": os.devnull,
        }
        self.process: subprocess.Popen | None = None

    def start(self, init_db: bool = True) -> float:
        """`flask init-db` (unless the database is meant to be unreachable), then gunicorn; seconds taken."""
        started = time.monotonic()
        if init_db:
            done = subprocess.run(
                [BIN / "flask", "--app", "app", "init-db"],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise ServerError(f"init-db failed:\n{done.stdout}{done.stderr}")
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [BIN / "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()
        return time.monotonic() - started

    def _wait_until_ready(self) -> None:
        """Ready when the spec is served: it needs no database, so this works while the database is down."""
        probe = Client(self.port, timeout=1)
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise ServerError(f"gunicorn exited with {self.process.returncode}:\n{self.log_text()}")
                if probe.request("GET", "/openapi.json").status == 200:
                    return
                time.sleep(0.05)
        finally:
            probe.close()
        raise ServerError(
            f"gunicorn did not serve /openapi.json within {STARTUP_SECONDS} s:\n{self.log_text()}"
        )

    def terminate(self) -> float:
        """SIGTERM to the master, as an orchestrator stops it; seconds until it has exited."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return time.monotonic() - started

    def stop(self) -> None:
        """Stop whatever is still running of this server (its workers too), whatever happened before."""
        if self.process is None or self.process.poll() is not None:
            return
        self.terminate()

    def cpu_seconds(self) -> float:
        """CPU the master and its workers used so far (Linux /proc; 0 where that is not available)."""
        if self.process is None:
            return 0.0
        return process_group_cpu_seconds(self.process.pid)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def process_group_cpu_seconds(group: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process exited meanwhile
            continue
        # After the command's closing parenthesis: state is field 3, pgrp 5, utime 14, stime 15 (proc(5)).
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / ticks
