"""The end-to-end check: `make serve` on a free port with a fresh database, then the smoke and browser tests.

The server is stopped afterwards whatever happens (failure, Ctrl-C, SIGTERM): it runs in its own process
group, and the whole group is terminated. Usage (from the repository root, as `make e2e` does):

    .venv/bin/python clients/typescript/scripts/e2e.py
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

CLIENT_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = CLIENT_DIR.parent.parent
sys.path.insert(0, str(REPO_DIR))

from tests.ports import HOST, free_port  # noqa: E402

REPORTS_DIR = REPO_DIR / "reports"
TSX = CLIENT_DIR / "node_modules" / ".bin" / "tsx"
STARTUP_SECONDS = 60
STOP_SECONDS = 10


def server_env(database: Path) -> dict[str, str]:
    """A throwaway database and a cheap password hash: the check is about the contract, not Argon2's cost."""
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "development",
            "DATABASE_URL": f"sqlite:///{database}",
            "PASSWORD_HASH_TIME_COST": "1",
            "PASSWORD_HASH_MEMORY_COST": "1024",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode} before answering; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"status {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {STARTUP_SECONDS} s ({last_error}); see {log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (make, gunicorn and its workers), SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, STOP_SECONDS)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def running_server(log: Path) -> Iterator[str]:
    """`make serve` on a free port with a fresh SQLite database; yields its base URL."""
    workdir = Path(tempfile.mkdtemp(prefix="todo-e2e-"))
    port = free_port()
    command = ["make", "--no-print-directory", "serve", f"HOST={HOST}", f"PORT={port}", "WORKERS=2"]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            cwd=REPO_DIR,
            env=server_env(workdir / "e2e.sqlite3"),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://{HOST}:{port}"
    try:
        print(f"e2e: {' '.join(command)} (log: {log.relative_to(REPO_DIR)})", flush=True)
        started = time.monotonic()
        wait_until_healthy(f"{base_url}/healthz", server, log)
        print(f"e2e: server healthy at {base_url} after {time.monotonic() - started:.1f} s", flush=True)
        yield base_url
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
        print("e2e: server stopped", flush=True)


def run_node(script: str, env: dict[str, str]) -> None:
    """Runs one test script; if the driver is interrupted, the script gets SIGTERM to close Chromium."""
    started = time.monotonic()
    print(f"\ne2e: {script}", flush=True)
    with subprocess.Popen([str(TSX), script], cwd=CLIENT_DIR, env=env) as child:
        try:
            returncode = child.wait()
        except BaseException:
            child.terminate()
            try:
                child.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
            raise
    if returncode != 0:
        raise subprocess.CalledProcessError(returncode, [str(TSX), script])
    print(f"e2e: {script} passed in {time.monotonic() - started:.1f} s", flush=True)


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    if not TSX.exists():
        print(f"e2e: {TSX.relative_to(REPO_DIR)} is missing: run `make e2e` (it installs the Node packages)")
        return 2
    REPORTS_DIR.mkdir(exist_ok=True)
    log = REPORTS_DIR / "e2e-server.log"
    screenshot = REPORTS_DIR / "e2e-todos.png"
    screenshot.unlink(missing_ok=True)
    try:
        with running_server(log) as base_url:
            env = dict(os.environ, E2E_BASE_URL=base_url, E2E_SCREENSHOT=str(screenshot))
            run_node("scripts/smoke.ts", env)
            run_node("scripts/browser.ts", env)
    except subprocess.CalledProcessError as exc:
        print(f"e2e: FAILED: {Path(exc.cmd[-1]).name} exited with {exc.returncode} (server log: {log})")
        return 1
    except (RuntimeError, KeyboardInterrupt) as exc:
        print(f"e2e: FAILED: {exc}")
        tail = log.read_text(errors="replace").splitlines()[-30:] if log.exists() else []
        print("\n".join(["--- server log (last lines) ---", *tail]) if tail else "")
        return 1
    print(f"\ne2e: passed; screenshot {screenshot.relative_to(REPO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
