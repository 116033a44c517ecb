"""The sign-in throttle on a live gunicorn with 4 workers and Redis: one count per account for all of them."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from limits import parse_many

from app.config import RATELIMIT_DEFAULTS
from contract_tests.target import APP_ENVIRONMENT
from tests.live_servers import wait_until_ready
from tests.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/1"
ATTEMPTS = 40
WORKERS = 4
APP = "app:create_app()"
# Each access log line: the answering worker's pid (gunicorn writes `<pid>`), the status and the path.
ACCESS_LOG_FORMAT = "%(p)s %(s)s %(U)s"
pytestmark = pytest.mark.slow


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    access_log: Path


@pytest.fixture(scope="module")
def documented_limit() -> int:
    """The default per-account limit's count (of its tightest limit): the server runs with the default."""
    return min(item.amount for item in parse_many(RATELIMIT_DEFAULTS["RATELIMIT_LOGIN_PER_ACCOUNT"]))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`gunicorn.conf.py` with 4 workers counting in Redis DB 1 under a prefix of its own, deleted after."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis server at {REDIS_URL} ({exc}); `.ci/run` starts one")
    workdir = tmp_path_factory.mktemp("throttle")
    prefix = f"live-{secrets.token_hex(6)}"
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name != "RATELIMIT_LOGIN_PER_ACCOUNT"}
    env.update(
        APP_ENVIRONMENT,
        DATABASE_URL=f"sqlite:///{workdir / 'throttle.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(32),
        RATELIMIT_ENABLED="true",
        RATELIMIT_STORAGE_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        PORT=str(port),
        WORKERS=str(WORKERS),
        ACCESS_LOG=str(workdir / "access.log"),
    )
    subprocess.run([BIN / "flask", "--app", "app", "init-db"], cwd=PROJECT_ROOT, env=env, check=True)
    log = workdir / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [BIN / "gunicorn", "--config", "gunicorn.conf.py", "--access-logformat", ACCESS_LOG_FORMAT, APP],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, log)
        yield Server(url, workdir / "access.log")
    finally:
        process.terminate()
        process.wait(timeout=30)
        keys = list(connection.scan_iter(match=f"*/{prefix}/*"))
        if keys:
            connection.delete(*keys)
        connection.close()


def _account(server: Server) -> str:
    username = f"target{secrets.token_hex(4)}"
    body = {"username": username, "password": "correct horse battery"}
    assert requests.post(server.url + "/api/auth/register", json=body, timeout=10).status_code == 201
    return username


def _wrong_password(server: Server, username: str) -> int:
    """One attempt on a new connection, so the kernel may hand it to any worker."""
    body = {"username": username, "password": "not the password"}
    response = requests.post(
        server.url + "/api/auth/login", json=body, timeout=30, headers={"Connection": "close"}
    )
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) >= 1, response.headers
        assert response.json()["code"] == 429
    return response.status_code


def _login_workers(server: Server) -> dict[int, Counter]:
    """Statuses of the sign-ins in the access log, by the pid of the worker that answered."""
    by_worker: dict[int, Counter] = {}
    for line in server.access_log.read_text().splitlines():
        match = re.fullmatch(r"<(\d+)> (\d{3}) /api/auth/login", line.strip())
        if match:
            by_worker.setdefault(int(match[1]), Counter())[int(match[2])] += 1
    return by_worker


def test_wrong_passwords_one_after_another_get_429_after_the_documented_limit(server, documented_limit):
    username = _account(server)
    statuses = [_wrong_password(server, username) for _ in range(ATTEMPTS)]
    expected = [401] * documented_limit + [429] * (ATTEMPTS - documented_limit)
    assert statuses == expected, Counter(statuses)
    # Across workers: more than one worker answered, and the count held for all of them.
    workers = _login_workers(server)
    assert len(workers) >= 2, (
        f"one worker answered every sign-in, nothing was counted across workers: {workers}"
    )


def test_wrong_passwords_sent_at_once_pass_the_limit_exactly(server, documented_limit):
    """Each attempt is counted (atomically, in Redis) before the password is checked: no race lets more in."""
    username = _account(server)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = Counter(pool.map(lambda _: _wrong_password(server, username), range(ATTEMPTS)))
    assert statuses == Counter({401: documented_limit, 429: ATTEMPTS - documented_limit}), statuses
