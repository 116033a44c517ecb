"""How fast the contract gate runs, next to the raw in-process ceiling and the HTTP alternative.

Measured in one run on the same app, each over a few repetitions (medians printed):
  gate   the gate in-process (`run_gate`, one profile's budget): cases/s and requests/s
  raw    the Flask test client alone on a comparable authenticated mix (create, list, get, patch,
         delete): requests/s, the ceiling any in-process tool can reach
  http   the same budget with the Schemathesis CLI (`st run`) against gunicorn on a free port with a
         fresh database, the way `make serve` runs it: what a user would otherwise pick
  make   `make contract` wall time (spec check + gate, a new process, as a developer types it)
Then the ratios the gate aims for: gate/raw req/s >= 25%, in-process >= 2x faster than HTTP, and
`make contract` < 60 s. Prints figures only; nothing here asserts on timing.

    .venv/bin/python bench/contract_speed.py [--repeat 3] [--profile ci] [--skip http,make]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
SPEC = ROOT / "openapi" / "openapi.json"
GATE_CONFIG = ROOT / "contract_tests" / "schemathesis.toml"
CHEAP_HASHING = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_COST": "256"}
TARGETS = {"gate/raw requests per second": 0.25, "in-process speedup over HTTP": 2.0}
MAKE_CONTRACT_TARGET_SECONDS = 60.0


@dataclass(slots=True)
class Sample:
    """One timed run: wall seconds, requests sent, test cases generated (when the tool reports them)."""

    seconds: float
    requests: int
    cases: int | None = None
    ok: bool | None = None

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cases_per_second(self) -> float | None:
        return None if self.cases is None else self.cases / self.seconds


# --- gate, in-process -----------------------------------------------------------------------------------


def measure_gate(profile: str, reports: Path) -> Sample:
    from contract_tests import GateOptions, run_gate

    started = time.perf_counter()
    report = run_gate(GateOptions(profile=profile, reports_dir=reports, replay=False))
    seconds = time.perf_counter() - started
    totals = report.totals
    return Sample(seconds, _total(totals, "requests"), _total(totals, "cases"), report.ok)


def _total(totals: Any, name: str) -> int:
    value = totals.get(name) if isinstance(totals, dict) else getattr(totals, name)
    return int(value)


# --- raw Flask test client: the ceiling -----------------------------------------------------------------


def measure_raw(requests_wanted: int) -> Sample:
    """A user's day in fast motion: create, list, read, change and delete todos through the test client."""
    from app import create_app
    from app.database import init_db

    with tempfile.TemporaryDirectory(prefix="bench-raw-") as tmp:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'raw.sqlite3'}",
                **{name: int(value) for name, value in CHEAP_HASHING.items()},
            }
        )
        init_db(app)
        client = app.test_client()
        credentials = {"username": "bench-user", "password": "correct horse battery"}
        client.post("/api/auth/register", json=credentials)
        token = client.post("/api/auth/login", json=credentials).get_json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        sent = 0
        started = time.perf_counter()
        while sent < requests_wanted:
            created = client.post(
                "/api/todos",
                json={"title": f"todo {sent}", "tags": ["bench", "raw"], "priority": "high"},
                headers=auth,
            )
            todo = created.get_json()["id"]
            client.get("/api/todos?per_page=20&sort=-created_at", headers=auth)
            client.get(f"/api/todos/{todo}", headers=auth)
            client.patch(f"/api/todos/{todo}", json={"done": True}, headers=auth)
            gone = client.delete(f"/api/todos/{todo}", headers=auth)
            if gone.status_code != 204:
                raise RuntimeError(f"the raw mix broke: DELETE answered {gone.status_code}")
            sent += 5
        seconds = time.perf_counter() - started
    return Sample(seconds, sent)


# --- the Schemathesis CLI over HTTP against gunicorn ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(workdir: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn as `make serve` starts it, on a free port with a fresh SQLite file; always stopped after."""
    port = free_port()
    access_log = workdir / "access.log"
    env = {**os.environ, **CHEAP_HASHING, "DATABASE_URL": f"sqlite:///{workdir / 'http.sqlite3'}"}
    subprocess.run(
        [BIN / "flask", "--app", "app", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            os.environ.get("WORKERS", "2"),
            "--access-logfile",
            str(access_log),
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server)
        yield base_url, access_log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _wait_until_up(base_url: str, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before serving")
        with contextlib.suppress(requests.RequestException):
            if requests.get(base_url + "/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on {base_url} within {timeout:.0f} s")


def _log_lines(path: Path) -> int:
    return sum(1 for _ in path.open()) if path.exists() else 0


def st_run_config(profile: Any, workdir: Path) -> Path:
    """The gate's Schemathesis configuration plus the profile's stateful budget, for `st run`."""
    config = workdir / "schemathesis.toml"
    text = GATE_CONFIG.read_text() if GATE_CONFIG.exists() else ""
    text += f"\n[phases.stateful]\nmax-steps = {profile.stateful_max_steps}\n"
    config.write_text(text)
    return config


def measure_http(profile_name: str) -> Sample:
    """`st run` with the profile's budget over HTTP, authenticated as a user it signs up for first."""
    from contract_tests.profiles import get_profile

    profile = get_profile(profile_name)
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp, serve(Path(tmp)) as (base_url, access_log):
        credentials = {"username": "bench-http", "password": "correct horse battery"}
        requests.post(base_url + "/api/auth/register", json=credentials, timeout=10).raise_for_status()
        login = requests.post(base_url + "/api/auth/login", json=credentials, timeout=10)
        login.raise_for_status()
        token = login.json()["access_token"]
        command = [
            str(BIN / "st"),
            "--config-file",
            str(st_run_config(profile, Path(tmp))),
            "run",
            str(SPEC),
            "--url",
            base_url,
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(profile.max_examples),
            "--phases",
            ",".join(profile.phases),
            "--workers",
            str(profile.workers),
            "--generation-database",
            "none",
            "--no-color",
        ]
        if profile.seed is not None:
            command += ["--seed", str(profile.seed)]
        before = _log_lines(access_log)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        time.sleep(0.2)  # let gunicorn flush its access log
        sent = _log_lines(access_log) - before
    return Sample(seconds, sent, _generated_cases(done.stdout), done.returncode == 0)


def _generated_cases(output: str) -> int | None:
    match = re.search(r"Test cases:\s*\n?\s*(\d+) generated", output)
    return int(match.group(1)) if match else None


# --- make contract --------------------------------------------------------------------------------------


def measure_make_contract(profile: str) -> Sample:
    started = time.perf_counter()
    done = subprocess.run(
        ["make", "contract", f"PROFILE={profile}"], cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    return Sample(seconds, 0, None, done.returncode == 0)


# --- report ---------------------------------------------------------------------------------------------


def repeat(label: str, times: int, measure: Callable[[], Sample]) -> list[Sample]:
    samples = []
    for run in range(1, times + 1):
        sample = measure()
        cases = "" if sample.cases is None else f", {sample.cases} cases"
        verdict = "" if sample.ok is None else (", passed" if sample.ok else ", FAILED")
        print(
            f"  {label} run {run}/{times}: {sample.seconds:.2f} s, {sample.requests} requests{cases}{verdict}"
        )
        samples.append(sample)
    return samples


def median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def describe(label: str, samples: list[Sample]) -> dict[str, float | None]:
    figures = {
        "seconds": median([s.seconds for s in samples]),
        "requests": median([float(s.requests) for s in samples]),
        "requests_per_second": median([s.requests_per_second for s in samples])
        if samples[0].requests
        else None,
        "cases_per_second": median([s.cases_per_second for s in samples]),
    }
    parts = [f"{figures['seconds']:.2f} s"]
    if figures["requests_per_second"] is not None:
        parts.append(f"{figures['requests']:.0f} requests, {figures['requests_per_second']:.0f} req/s")
    if figures["cases_per_second"] is not None:
        parts.append(f"{figures['cases_per_second']:.0f} cases/s")
    print(f"{label:<34} {', '.join(parts)}")
    return figures


def verdict(name: str, value: float | None, target: float, *, higher_is_better: bool = True) -> str:
    if value is None:
        return f"{name:<34} n/a"
    met = value >= target if higher_is_better else value < target
    bound = ">=" if higher_is_better else "<"
    return f"{name:<34} {value:.2f} (target {bound} {target:g}: {'met' if met else 'MISSED'})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement (median)")
    parser.add_argument("--profile", default="ci", help="the gate profile whose budget is measured")
    parser.add_argument("--raw-requests", type=int, default=3000, help="requests in each raw-client run")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: gate, raw, http, make")
    args = parser.parse_args(argv)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    print(f"contract gate speed, profile {args.profile!r}, {args.repeat} repetitions, {os.cpu_count()} CPUs")

    results: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as reports:
        parts: list[tuple[str, str, Callable[[], Sample]]] = [
            ("gate", f"gate in-process ({args.profile})", lambda: measure_gate(args.profile, Path(reports))),
            ("raw", "raw Flask test client", lambda: measure_raw(args.raw_requests)),
            ("http", f"st run over HTTP ({args.profile})", lambda: measure_http(args.profile)),
            ("make", f"make contract ({args.profile})", lambda: measure_make_contract(args.profile)),
        ]
        samples = {key: repeat(key, args.repeat, measure) for key, _, measure in parts if key not in skip}
    print()
    for key, label, _ in parts:
        if key in samples:
            results[key] = describe(label, samples[key])

    print()
    gate, raw, http = results.get("gate", {}), results.get("raw", {}), results.get("http", {})
    ratio = _ratio(gate.get("requests_per_second"), raw.get("requests_per_second"))
    speedup = _ratio(http.get("seconds"), gate.get("seconds"))
    print(verdict("gate/raw requests per second", ratio, TARGETS["gate/raw requests per second"]))
    print(verdict("in-process speedup over HTTP", speedup, TARGETS["in-process speedup over HTTP"]))
    make_seconds = results.get("make", {}).get("seconds")
    print(
        verdict("make contract seconds", make_seconds, MAKE_CONTRACT_TARGET_SECONDS, higher_is_better=False)
    )
    print(json.dumps({"profile": args.profile, "results": results}, sort_keys=True))
    return 0


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


if __name__ == "__main__":
    sys.exit(main())
