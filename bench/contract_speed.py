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
import multiprocessing
import os
import re
import shutil
import signal
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

from tests.ports import free_port  # noqa: E402

BIN = Path(sys.executable).parent
SPEC = ROOT / "openapi" / "openapi.json"
GATE_CONFIG = ROOT / "contract_tests" / "schemathesis.toml"
TARGETS = {"gate/raw requests per second": 0.25, "in-process speedup over HTTP": 2.0}
MAKE_CONTRACT_TARGET_SECONDS = 60.0


@dataclass(slots=True)
class Sample:
    """One timed run: wall seconds, requests sent, test cases generated (when the tool reports them)."""

    seconds: float
    requests: int
    cases: int | None = None
    ok: bool | None = None
    # CPU seconds of every process involved (tool and app): a figure other load on the machine barely moves.
    cpu: float | None = None
    # Of `cpu`, the seconds the server's processes spent (over HTTP only): the rest is the client's.
    server_cpu: float | None = None

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cases_per_second(self) -> float | None:
        return None if self.cases is None else self.cases / self.seconds


# --- gate, in-process -----------------------------------------------------------------------------------


def measure_gate(
    profile: str, reports: Path, workers: int | None = None, phases: tuple[str, ...] | None = None
) -> Sample:
    """The gate as `make contract` runs it, minus the example database (a benchmark must not replay).

    `phases` narrows the run to what `st run` can do too (it has no probes), for a like-for-like ratio.
    """
    from app import create_app
    from contract_tests import GateOptions, run_gate

    # Counted at the WSGI boundary, like gunicorn's access log for HTTP; shared with forked gate workers.
    sent = multiprocessing.Value("q", 0)

    def counted_app() -> Any:
        app = create_app()
        inner = app.wsgi_app

        def counting(environ: dict, start_response: Callable) -> Any:
            with sent.get_lock():
                sent.value += 1
            return inner(environ, start_response)

        app.wsgi_app = counting
        return app

    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    report = run_gate(
        GateOptions(
            app=counted_app,
            profile=profile,
            reports_dir=reports,
            replay=False,
            example_database=None,
            workers=workers,
            phases=phases,
        )
    )
    seconds = time.perf_counter() - started
    return Sample(seconds, sent.value, report.totals.cases, report.ok, _cpu_seconds() - cpu_before)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (forked gate workers, subprocesses)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


# --- raw Flask test client: the ceiling -----------------------------------------------------------------


Send = Callable[..., tuple[int, Any]]  # (method, path, json=None, headers=None) -> (status, JSON body)


def user_mix(send: Send, requests_wanted: int) -> int:
    """A user's day in fast motion: create, list, read, change and delete todos; returns requests sent."""
    credentials = {
        "username": f"bench-{os.getpid()}-{time.monotonic_ns()}",
        "password": "correct horse battery",
    }
    send("POST", "/api/auth/register", json=credentials)
    _, signed_in = send("POST", "/api/auth/login", json=credentials)
    auth = {"Authorization": f"Bearer {signed_in['access_token']}"}
    sent = 0
    while sent < requests_wanted:
        _, created = send(
            "POST",
            "/api/todos",
            json={"title": f"todo {sent}", "tags": ["bench", "raw"], "priority": "high"},
            headers=auth,
        )
        todo = created["id"]
        send("GET", "/api/todos?per_page=20&sort=-created_at", headers=auth)
        send("GET", f"/api/todos/{todo}", headers=auth)
        send("PATCH", f"/api/todos/{todo}", json={"done": True}, headers=auth)
        status, _ = send("DELETE", f"/api/todos/{todo}", headers=auth)
        if status != 204:
            raise RuntimeError(f"the raw mix broke: DELETE answered {status}")
        sent += 5
    return sent


def measure_raw(requests_wanted: int) -> Sample:
    """The mix through the Flask test client: the app's own cost, the ceiling of any in-process tool."""
    from app import create_app
    from app.database import init_db
    from contract_tests.target import APP_ENVIRONMENT, CHEAP_PASSWORD_HASHING

    with tempfile.TemporaryDirectory(prefix="bench-raw-") as tmp:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'raw.sqlite3'}",
                **APP_ENVIRONMENT,
                **{name: int(value) for name, value in CHEAP_PASSWORD_HASHING.items()},
            }
        )
        init_db(app)
        client = app.test_client()

        def send(method: str, path: str, json: Any = None, headers: Any = None) -> tuple[int, Any]:
            response = client.open(path, method=method, json=json, headers=headers)
            return response.status_code, response.get_json(silent=True)

        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        sent = user_mix(send, requests_wanted)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
    return Sample(seconds, sent, cpu=cpu)


def measure_raw_http(requests_wanted: int) -> Sample:
    """The same mix with `requests` against gunicorn: what HTTP itself costs, client and server side."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-raw-http-"))
    try:
        with serve(workdir) as (base_url, _, server_cpu), requests.Session() as session:

            def send(method: str, path: str, json: Any = None, headers: Any = None) -> tuple[int, Any]:
                response = session.request(method, base_url + path, json=json, headers=headers, timeout=30)
                return response.status_code, response.json() if response.content else None

            server_before = server_cpu()
            client_before = _cpu_seconds()
            started = time.perf_counter()
            sent = user_mix(send, requests_wanted)
            seconds = time.perf_counter() - started
            served = server_cpu() - server_before
            cpu = _cpu_seconds() - client_before + served
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Sample(seconds, sent, cpu=cpu, server_cpu=served)


# --- the Schemathesis CLI over HTTP against gunicorn ----------------------------------------------------


@contextlib.contextmanager
def serve(workdir: Path) -> Iterator[tuple[str, Path, Callable[[], float]]]:
    """gunicorn as `make serve` starts it, on a free port with a fresh SQLite file; always stopped after."""
    from contract_tests.target import APP_ENVIRONMENT

    port = free_port()
    access_log = workdir / "access.log"
    env = {**os.environ, **APP_ENVIRONMENT, "DATABASE_URL": f"sqlite:///{workdir / 'http.sqlite3'}"}
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
        yield base_url, access_log, lambda: _process_tree_cpu(server.pid)
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


def _process_tree_cpu(pid: int) -> float:
    """CPU seconds of a running process and its children (Linux /proc; 0 elsewhere)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    for each in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _log_lines(path: Path) -> int:
    return sum(1 for _ in path.open()) if path.exists() else 0


def st_run_config(profile: Any, workdir: Path, credentials: dict[str, str]) -> Path:
    """The gate's Schemathesis configuration, the profile's stateful budget, and a re-login on 401.

    A static token would die with the first successful `logout` and turn the rest of the run into 401s;
    Schemathesis' dynamic bearer auth logs in again instead, as the gate's auth hook does.
    """
    config = workdir / "schemathesis.toml"
    text = GATE_CONFIG.read_text() if GATE_CONFIG.exists() else ""
    payload = ", ".join(f"{name} = {json.dumps(value)}" for name, value in credentials.items())
    text += (
        f"\n[phases.stateful]\nmax-steps = {profile.stateful_max_steps}\n"
        "\n[auth.dynamic.openapi.bearerAuth]\n"
        'path = "/api/auth/login"\n'
        f"payload = {{ {payload} }}\n"
        'extract_selector = "/access_token"\n'
        "retry_on = [401]\n"
    )
    config.write_text(text)
    return config


def measure_http(profile_name: str) -> Sample:
    """`st run` with the profile's budget over HTTP, logged in as a user registered beforehand."""
    from contract_tests.profiles import ENGINE_PHASES, get_profile

    profile = get_profile(profile_name)
    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    try:
        with serve(workdir) as (base_url, access_log, server_cpu):
            credentials = {"username": "bench-http", "password": "correct horse battery"}
            requests.post(base_url + "/api/auth/register", json=credentials, timeout=10).raise_for_status()
            command = [
                str(BIN / "st"),
                "--config-file",
                str(st_run_config(profile, workdir, credentials)),
                "run",
                str(SPEC),
                "--url",
                base_url,
                "--max-examples",
                str(profile.max_examples),
                "--phases",
                ",".join(phase for phase in profile.phases if phase in ENGINE_PHASES),
                # One thread: the gate's workers are processes, and st run's threads were seen failing
                # (and making the run depend on timing) when given two.
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--no-color",
            ]
            if profile.seed is not None:
                command += ["--seed", str(profile.seed)]
            before = _log_lines(access_log)
            server_before = server_cpu()
            client_before = _cpu_seconds()
            started = time.perf_counter()
            done = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            time.sleep(0.2)  # let gunicorn flush its access log
            served = server_cpu() - server_before
            cpu = _cpu_seconds() - client_before + served
            sent = _log_lines(access_log) - before
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    cases = _generated_cases(done.stdout)
    if not sent or cases is None:  # st run refused to start: its message, not a row of zeros
        raise RuntimeError(
            f"st run sent no request (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return Sample(seconds, sent, cases, done.returncode == 0, cpu, served)


def _generated_cases(output: str) -> int | None:
    match = re.search(r"Test cases:\s*\n?\s*(\d+) generated", output)
    return int(match.group(1)) if match else None


# --- make contract --------------------------------------------------------------------------------------


def measure_make_contract(profile: str) -> Sample:
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(
        ["make", "contract", f"PROFILE={profile}"], cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    return Sample(seconds, 0, None, done.returncode == 0, _cpu_seconds() - cpu_before)


# --- report ---------------------------------------------------------------------------------------------


def repeat(label: str, times: int, measure: Callable[[], Sample]) -> list[Sample]:
    samples = []
    for run in range(1, times + 1):
        sample = measure()
        cases = "" if sample.cases is None else f", {sample.cases} cases"
        cpu = "" if sample.cpu is None else f", {sample.cpu:.2f} CPU s"
        verdict = "" if sample.ok is None else (", passed" if sample.ok else ", FAILED")
        figures = f"{sample.seconds:.2f} s{cpu}, {sample.requests} requests{cases}{verdict}"
        print(f"  {label} run {run}/{times}: {figures}")
        samples.append(sample)
    return samples


def median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def describe(label: str, samples: list[Sample]) -> dict[str, float | None]:
    counted = bool(samples[0].requests)
    figures = {
        "seconds": median([s.seconds for s in samples]),
        "cpu_seconds": median([s.cpu for s in samples]),
        "requests": median([float(s.requests) for s in samples]) if counted else None,
        "requests_per_second": median([s.requests_per_second for s in samples]) if counted else None,
        "requests_per_cpu_second": median([s.requests / s.cpu for s in samples if s.cpu])
        if counted
        else None,
        "cases": median([s.cases for s in samples]),
        "cases_per_second": median([s.cases_per_second for s in samples]),
        "server_cpu_ms_per_request": median(
            [1000 * s.server_cpu / s.requests for s in samples if s.server_cpu is not None and s.requests]
        ),
        "client_cpu_ms_per_request": median(
            [
                1000 * (s.cpu - s.server_cpu) / s.requests
                for s in samples
                if s.server_cpu is not None and s.cpu
            ]
        ),
    }
    parts = [f"{figures['seconds']:.2f} s"]
    if figures["cpu_seconds"] is not None:
        parts.append(f"{figures['cpu_seconds']:.2f} CPU s")
    if figures["requests_per_second"] is not None:
        parts.append(f"{figures['requests']:.0f} requests, {figures['requests_per_second']:.0f} req/s")
    if figures["requests_per_cpu_second"] is not None:
        parts.append(f"{figures['requests_per_cpu_second']:.0f} req/CPU s")
    if figures["cases_per_second"] is not None:
        parts.append(f"{figures['cases']:.0f} cases, {figures['cases_per_second']:.0f} cases/s")
    if figures["server_cpu_ms_per_request"] is not None:
        parts.append(
            f"CPU ms per request: {figures['client_cpu_ms_per_request']:.1f} client, "
            f"{figures['server_cpu_ms_per_request']:.1f} server"
        )
    elif figures["requests_per_cpu_second"]:
        parts.append(f"CPU ms per request: {1000 / figures['requests_per_cpu_second']:.1f}")
    print(f"{label:<34} {', '.join(parts)}")
    return figures


def verdict(name: str, value: float | None, target: float, *, higher_is_better: bool = True) -> str:
    if value is None:
        return f"{name:<40} n/a"
    met = value >= target if higher_is_better else value < target
    bound = ">=" if higher_is_better else "<"
    return f"{name:<40} {value:.2f} (target {bound} {target:g}: {'met' if met else 'MISSED'})"


def _format(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


# --- where the gate's time goes -------------------------------------------------------------------------


def profile_gate(profile: str, top: int) -> None:
    """cProfile one in-process gate run (single process, every thread) and sum own time by package."""
    import cProfile
    import pstats
    import threading

    from contract_tests import GateOptions, run_gate

    # Schemathesis runs its tests in worker threads: give every new thread a profiler of its own.
    profilers = [cProfile.Profile()]

    def profile_this_thread(*_: Any) -> None:
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()

    threading.setprofile(profile_this_thread)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-profile-") as reports:
            profilers[0].enable()
            options = GateOptions(
                profile=profile, reports_dir=Path(reports), replay=False, example_database=None, workers=1
            )
            run_gate(options)
            profilers[0].disable()
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    for profiler in profilers[1:]:
        profiler.disable()
    stats = pstats.Stats(*profilers)
    by_package: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        package = _package_of(filename, name)
        by_package[package] = by_package.get(package, 0.0) + own
    # Threads that only wait (the main thread while the engine works) are not work.
    idle = by_package.pop("waiting (locks, queues, sleep)", 0.0)
    total = sum(by_package.values()) or 1.0
    print(f"\nwhere the gate's time goes (own CPU-bound time by package, profile {profile!r}, one process;")
    print(f"  {idle:.1f} s spent waiting in other threads left out):")
    for package, own in sorted(by_package.items(), key=lambda item: -item[1])[:top]:
        print(f"  {package:<34} {own:7.2f} s  {100 * own / total:5.1f}%")


WAITING = ("acquire", "wait", "sleep", "get", "join", "select", "poll")


def _package_of(filename: str, name: str) -> str:
    if filename == "~":  # built-in functions: locks and sleeps are waiting, the rest is work
        if any(word in name for word in WAITING) and ("lock" in name or "sleep" in name or "wait" in name):
            return "waiting (locks, queues, sleep)"
        for library in ("sqlite3", "argon2", "hashlib", "json", "re", "pyexpat"):
            if library in name:
                return f"{library} (C)"
        return "built-ins (C code)"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1 :]
        return rest[0].removesuffix(".py") if rest else filename
    with contextlib.suppress(ValueError):
        return "project: " + path.relative_to(ROOT).parts[0]
    return "python stdlib"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement (median)")
    parser.add_argument("--profile", default="ci", help="the gate profile whose budget is measured")
    parser.add_argument("--raw-requests", type=int, default=3000, help="requests in each raw-client run")
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: gate, raw, raw-http, http, make"
    )
    parser.add_argument("--workers", type=int, help="override the gate profile's processes (st run keeps 1)")
    parser.add_argument("--where", action="store_true", help="also profile one gate run: time by package")
    parser.add_argument(
        "--with-probes",
        action="store_true",
        help="run the gate's probes too (st run has none, so the ratios then compare unequal work)",
    )
    args = parser.parse_args(argv)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"contract gate speed: profile {args.profile!r}, {args.repeat} repetitions, {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at start"
    )

    from contract_tests.profiles import ENGINE_PHASES, get_profile

    gate_phases = None
    if not args.with_probes:
        gate_phases = tuple(phase for phase in get_profile(args.profile).phases if phase in ENGINE_PHASES)
    results: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as reports:
        parts: list[tuple[str, str, Callable[[], Sample]]] = [
            (
                "gate",
                f"gate in-process ({args.profile})",
                lambda: measure_gate(args.profile, Path(reports), args.workers, gate_phases),
            ),
            ("raw", "raw Flask test client", lambda: measure_raw(args.raw_requests)),
            ("raw-http", "the same mix over HTTP", lambda: measure_raw_http(args.raw_requests)),
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
    ceiling = TARGETS["gate/raw requests per second"]
    speedup = TARGETS["in-process speedup over HTTP"]
    for name, key, numerator, denominator, target in (
        ("gate/raw requests per second", "requests_per_second", gate, raw, ceiling),
        ("  same, per CPU second", "requests_per_cpu_second", gate, raw, ceiling),
        # The same budget does not give exactly the same cases in both (auth flows and stateful sequences
        # differ), so the speedup is a rate: time per request, and per generated case.
        ("in-process speedup over HTTP (req/s)", "requests_per_second", gate, http, speedup),
        ("  same, per generated case", "cases_per_second", gate, http, speedup),
        ("  same, per CPU second", "requests_per_cpu_second", gate, http, speedup),
    ):
        print(verdict(name, _ratio(numerator.get(key), denominator.get(key)), target))
    # What HTTP itself costs per request (both ends), from the same mix sent both ways; st run pays it on
    # top of the same generation, checks and app, so it bounds what leaving HTTP out can win per CPU second.
    raw_http = results.get("raw-http", {})
    if (
        raw.get("requests_per_cpu_second")
        and raw_http.get("requests_per_cpu_second")
        and http.get("requests_per_cpu_second")
    ):
        http_ms = 1000 / raw_http["requests_per_cpu_second"] - 1000 / raw["requests_per_cpu_second"]
        st_ms = 1000 / http["requests_per_cpu_second"]
        bound = st_ms / (st_ms - http_ms) if st_ms > http_ms else None
        print(f"{'  HTTP CPU ms per request (both ends)':<40} {http_ms:.2f} of st run's {st_ms:.2f}")
        print(f"{'  most leaving HTTP out can win per CPU s':<40} {_format(bound)}")
    whole_run = _format(_ratio(http.get("seconds"), gate.get("seconds")))
    print(f"{'  (wall time of the whole run, HTTP/gate)':<40} {whole_run}")
    make_seconds = results.get("make", {}).get("seconds")
    print(
        verdict("make contract seconds", make_seconds, MAKE_CONTRACT_TARGET_SECONDS, higher_is_better=False)
    )
    print(json.dumps({"profile": args.profile, "results": results}, sort_keys=True))
    if args.where:
        profile_gate(args.profile, top=12)
    return 0


if __name__ == "__main__":
    sys.exit(main())
