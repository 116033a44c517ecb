"""How the gate's cost grows with the API: synthetic flask-smorest apps of 10, 20, 40 and 80 operations.

Each size is the synthetic API of `tests/gate/synthetic_app.py` (N/5 CRUD resources, linked within and
between resources), run by the gate in-process on each profile, repeated; medians are printed per size:
operations, cases, requests, wall and CPU seconds (this process and its finished children: the gate's
worker processes), seconds per operation, and per phase (from the gate's JSON summary). The target: on
`ci`, seconds per operation flat from 10 to 80 operations (80 within 1.3x of 10). Prints figures only.

    .venv/bin/python bench/contract_scaling.py [--sizes 10,20,40,80] [--profiles ci,fast] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract_tests import GateOptions, run_gate  # noqa: E402
from contract_tests.profiles import PHASES  # noqa: E402
from tests.gate.synthetic_app import create_app, openapi_document  # noqa: E402

FLAT_TARGET = 1.3


@dataclass(slots=True)
class Sample:
    """One gate run on one size: what it did, how long it took, and each phase's seconds."""

    operations: int
    cases: int
    requests: int
    seconds: float
    cpu: float
    ok: bool
    phases: dict[str, float] = field(default_factory=dict)
    stopped: bool = False


def cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children (the gate's forked worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(size: int, profile: str, workdir: Path, max_time: float | None) -> Sample:
    spec = workdir / f"openapi-{size}.json"
    if not spec.exists():
        spec.write_text(json.dumps(openapi_document(size)), encoding="utf-8")
    reports = workdir / f"reports-{size}-{profile}"
    before = cpu_seconds()
    started = time.perf_counter()
    report = run_gate(
        GateOptions(
            app=lambda: create_app(size),
            spec=spec,
            profile=profile,
            auth="none",
            reports_dir=reports,
            replay=False,
            example_database=None,
            max_time=max_time,
        )
    )
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - before
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    phases = {phase["phase"]: phase["seconds"] for phase in summary.get("phases", [])}
    return Sample(
        report.totals.operations,
        report.totals.cases,
        report.totals.requests,
        seconds,
        cpu,
        report.ok,
        phases,
        bool(report.stopped),
    )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def summarize(size: int, profile: str, samples: list[Sample]) -> dict[str, float]:
    operations = samples[0].operations or size
    row = {
        "size": size,
        "operations": operations,
        "cases": median([s.cases for s in samples]),
        "requests": median([s.requests for s in samples]),
        "seconds": median([s.seconds for s in samples]),
        "cpu_seconds": median([s.cpu for s in samples]),
    }
    row["seconds_per_operation"] = row["seconds"] / operations
    row["cpu_per_operation"] = row["cpu_seconds"] / operations
    for phase in PHASES:
        row[f"{phase}_per_operation"] = median([s.phases.get(phase, 0.0) for s in samples]) / operations
    return row


def print_table(profile: str, rows: list[dict[str, float]]) -> None:
    phases = " ".join(f"{phase[:8]:>8}" for phase in PHASES)
    print(f"\nprofile {profile} (medians): s/op is wall s per operation; phases in s/op over all processes")
    head = f"{'ops':>4} {'cases':>6} {'reqs':>6} {'wall s':>7} {'CPU s':>7} {'s/op':>6} {'CPU/op':>6}"
    print(f"{head}  {phases}")
    for row in rows:
        cells = " ".join(f"{row[f'{phase}_per_operation']:8.3f}" for phase in PHASES)
        counts = f"{row['operations']:>4.0f} {row['cases']:>6.0f} {row['requests']:>6.0f}"
        times = f"{row['seconds']:>7.1f} {row['cpu_seconds']:>7.1f}"
        per_op = f"{row['seconds_per_operation']:>6.3f} {row['cpu_per_operation']:>6.3f}"
        print(f"{counts} {times} {per_op}  {cells}")
    first, last = rows[0], rows[-1]
    if len(rows) > 1 and first["seconds_per_operation"]:
        for key, name in (("seconds_per_operation", "wall"), ("cpu_per_operation", "CPU")):
            ratio = last[key] / first[key]
            met = "met" if ratio <= FLAT_TARGET else "MISSED"
            sizes = f"{last['operations']:.0f} ops / at {first['operations']:.0f} ops"
            print(f"  {name} s/op at {sizes}: {ratio:.2f} (target <= {FLAT_TARGET}: {met})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,20,40,80", help="operations per synthetic app, multiples of 5")
    parser.add_argument("--profiles", default="ci,fast", help="gate profiles to run on each size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and profile (medians printed)")
    parser.add_argument("--max-time", type=float, help="pass --max-time to every gate run")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    profiles = [name.strip() for name in args.profiles.split(",") if name.strip()]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"contract gate scaling: sizes {sizes}, profiles {profiles}, {args.repeat} repetitions, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at start"
    )
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        for profile in profiles:
            rows = []
            for size in sizes:
                samples = []
                for run in range(1, args.repeat + 1):
                    sample = measure(size, profile, Path(tmp), args.max_time)
                    verdict = "passed" if sample.ok else "FAILED"
                    stopped = ", stopped by --max-time" if sample.stopped else ""
                    print(
                        f"  {profile} {size} ops run {run}/{args.repeat}: {sample.seconds:.1f} s, "
                        f"{sample.cpu:.1f} CPU s, {sample.cases} cases, {verdict}{stopped}",
                        flush=True,
                    )
                    samples.append(sample)
                rows.append(summarize(size, profile, samples))
            results[profile] = rows
            print_table(profile, rows)
    print(json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
