"""What the in-process app prints while answering goes into the report; the gate's own progress does not."""

from __future__ import annotations

import json
import sys
import threading

from contract_tests import applog
from contract_tests.cli import main
from contract_tests.collector import Collector


def test_the_app_output_is_counted_in_the_report_and_kept_off_the_console(tmp_path, capsys):
    code = main(
        [
            *("run", "--app", "tests.gate.half_broken_app:create_fixed_app", "--spec", "/openapi.json"),
            *("--auth", "none", "--profile", "fast", "--phases", "examples,coverage,fuzzing"),
            *("--workers", "1", "--reports", str(tmp_path)),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, out + err
    # Not written over the console as the app wrote them; counted in the report's lines instead.
    raw = [line for line in out.splitlines() if line.startswith(("listing items", "pong", "created item"))]
    assert raw == []
    assert any(line.strip().endswith("x stdout: pong") for line in out.splitlines())
    assert "rejected an item" not in err
    assert "phase coverage:" in out  # the gate's progress still reaches the console
    assert "App output:" in out

    summary = json.loads((tmp_path / "contract-summary.json").read_text(encoding="utf-8"))
    lines = summary["app_output"]
    assert any(line.endswith("x stdout: pong") for line in lines)
    assert any("stderr: rejected an item without an integer n" in line for line in lines)
    assert summary["app_output_lines"] >= sum(int(line.split("x ", 1)[0]) for line in lines)


def test_only_the_thread_answering_a_request_is_captured():
    """Schemathesis may answer in a worker thread while the gate prints progress from another."""
    inside, outside = threading.Event(), threading.Event()

    def app_thread() -> None:
        with applog.answering("case-1"):
            print("from the app", "in two parts")
            inside.set()
            outside.wait(5)
            sys.stderr.write("no newline at the end")

    real = sys.stdout
    with applog.captured() as log:
        worker = threading.Thread(target=app_thread)
        worker.start()
        inside.wait(5)
        # The gate's own line, written while the app thread is mid-request: not the app's.
        assert isinstance(sys.stdout, applog.AppOutput) and sys.stdout.real is real
        progress = []
        sys.stdout.real = type("Recorder", (), {"write": lambda self, text: progress.append(text)})()
        print("  phase coverage: success")
        sys.stdout.real = real
        outside.set()
        worker.join(5)
    assert sys.stdout is real
    assert progress == ["  phase coverage: success", "\n"]
    assert log.output_counts == {"stdout: from the app in two parts": 1, "stderr: no newline at the end": 1}
    assert log.lines_for("case-1") == ["stdout: from the app in two parts", "stderr: no newline at the end"]


def test_output_counts_of_other_processes_add_up():
    """Each process of a multi-process run captures its own; the parent adds them."""
    first, second = Collector(seed=1), Collector(seed=1)
    first.app_output = {"stdout: pong": 2}
    second.app_output = {"stdout: pong": 3, "stderr: oops": 1}
    first.absorb(second)
    assert first.app_output == {"stdout: pong": 5, "stderr: oops": 1}
