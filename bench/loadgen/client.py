"""One HTTP/1.1 keep-alive connection per simulated client, timing every call and naming every failure."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

RETRY_PAUSE = 0.05
RETRY_PAUSE_MAX = 0.5
# What a client saw instead of a response, by the exception that told it.
ERROR_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "refused"),
    (ConnectionResetError, "reset"),
    (BrokenPipeError, "reset"),
    (http.client.RemoteDisconnected, "closed"),
    (TimeoutError, "timeout"),
)


def error_kind(exc: BaseException) -> str:
    """`refused`, `reset`, `closed` (no response on a kept-alive connection), `timeout`, or the type."""
    for kind_type, kind in ERROR_KINDS:
        if isinstance(exc, kind_type):
            return kind
    return type(exc).__name__


@dataclass(slots=True)
class Reply:
    """A response, or the error that came instead (`status` is None then)."""

    status: int | None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500


@dataclass(slots=True)
class Recorder:
    """Latency by operation, statuses, connection errors and the longest outage one client lived through."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    max_stall: float = 0.0
    _failing_since: float | None = None

    def record(self, operation: str, reply: Reply) -> None:
        now = time.monotonic()
        if reply.status is None:
            self.errors[reply.error] += 1
            if self._failing_since is None:
                self._failing_since = now - reply.seconds
            return
        self.latencies.setdefault(operation, []).append(reply.seconds)
        self.statuses[reply.status] += 1
        if reply.status >= 500:
            self._failing_since = self._failing_since or now - reply.seconds
        elif self._failing_since is not None:
            self.max_stall = max(self.max_stall, now - self._failing_since)
            self._failing_since = None

    def merge(self, other: Recorder) -> None:
        for operation, values in other.latencies.items():
            self.latencies.setdefault(operation, []).extend(values)
        self.statuses.update(other.statuses)
        self.errors.update(other.errors)
        self.max_stall = max(self.max_stall, other.max_stall)

    @property
    def responses(self) -> int:
        return sum(self.statuses.values())


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and p99 in milliseconds (zeros for no values)."""
    if len(values) < 2:
        only = values[0] * 1000 if values else 0.0
        return {"p50": only, "p95": only, "p99": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000}


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failed calls in a row: 50 ms, doubling, at most half a second."""
    return min(RETRY_PAUSE * 2 ** max(failures - 1, 0), RETRY_PAUSE_MAX)


class Client:
    """A keep-alive connection that reconnects after any error; a timeout bounds every call (no hangs)."""

    def __init__(self, port: int, timeout: float, recorder: Recorder | None = None) -> None:
        self.port = port
        self.timeout = timeout
        self.recorder = recorder
        self.headers: dict[str, str] = {}
        self.failures = 0  # calls in a row that got no answer or a 5xx: how long to back off
        self._connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        operation: str | None = None,
    ) -> Reply:
        sent = {**self.headers, **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            reply = self._exchange(method, path, payload, sent)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            reply = Reply(status=None, error=error_kind(exc))
        reply.seconds = time.monotonic() - started
        self.failures = self.failures + 1 if reply.status is None or reply.server_error else 0
        if self.recorder is not None:
            self.recorder.record(operation or method, reply)
        return reply

    def _exchange(self, method: str, path: str, payload: bytes | None, headers: dict[str, str]) -> Reply:
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        self._connection.request(method, path, body=payload, headers=headers)
        response = self._connection.getresponse()
        raw = response.read()
        if response.will_close:
            self.close()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        return Reply(
            status=response.status, body=body, headers={k.lower(): v for k, v in response.getheaders()}
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
