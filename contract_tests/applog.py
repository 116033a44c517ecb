"""The app's own log records and output during a run: kept for the report, tied to the request behind them.

An app under test logs its errors (Flask: "Exception on /path [GET]" with a traceback) to the console,
where they interleave with the gate's progress and are lost to CI summaries. While a pass runs, every
handler is set aside and one capturing handler takes their place; the transport tells it which case
is being sent, so a failure can show what the app logged while answering it.

What the app `print()`s or writes to `sys.stdout`/`sys.stderr` goes the same way, but only what the thread
answering a request writes while it does: the gate's own progress lines (another thread, or between
requests) still reach the console. Each process of the gate captures its own, and its counts travel
back with its results.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# Loggers of the gate's own machinery, not of the app under test.
GATE_LOGGERS = ("schemathesis", "hypothesis", "urllib3", "requests", "filelock", "asyncio")
# Lines kept per failing request, and distinct lines kept for the report's log section.
LINES_PER_REQUEST = 20
DISTINCT_LINES = 50
# A log line longer than this (a megabyte value in a URL) is cut.
LINE_CHARS = 300
FORMAT = "%(levelname)s %(name)s: %(message)s"


class AppLog(logging.Handler):
    """A logging handler that keeps what the app logs, counted, and by the case being sent."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(logging.Formatter(FORMAT))
        self.counts: Counter[str] = Counter()
        self.by_case: dict[str, list[str]] = {}
        self.current_case: str | None = None
        self._last = 0
        # Lines the app wrote to stdout/stderr while answering requests, counted.
        self.output_counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if id(record) == self._last or record.name.split(".")[0] in GATE_LOGGERS:
            return  # the same record reaching a second logger's handler on its way up
        self._last = id(record)
        text = self.format(record)
        first, *rest = text.splitlines() or [""]
        text = "\n".join([first[:LINE_CHARS], *rest])
        if record.levelno >= logging.WARNING:
            self.counts[text.splitlines()[0]] += 1
        if self.current_case is not None:
            lines = self.by_case.setdefault(self.current_case, [])
            lines += text.splitlines()[-LINES_PER_REQUEST:]

    def output(self, stream: str, line: str, case_id: str | None) -> None:
        """A line the app wrote to `stream` (stdout, stderr) while answering `case_id` (None: a sign-in)."""
        text = f"{stream}: {line[:LINE_CHARS]}"
        with self._lock:
            self.output_counts[text] += 1
            if case_id is not None:
                self.by_case.setdefault(case_id, []).append(text)

    def lines_for(self, case_id: str) -> list[str]:
        return self.by_case.get(case_id, [])[-LINES_PER_REQUEST:]


def summary(counts: dict[str, int]) -> list[str]:
    """The distinct warning-or-worse lines, most frequent first, each with its count."""
    return [f"{count}x {line}" for line, count in Counter(counts).most_common(DISTINCT_LINES)]


def merge_summaries(parts: list[list[str]]) -> list[str]:
    """Several runs' `summary` lines as one: a line's counts added up, most frequent first again.

    The shards of one API often log the same line (a deprecation, a shared helper's warning); listed
    once per shard, the most frequent would no longer come first.
    """
    counts: Counter[str] = Counter()
    for lines in parts:
        for text in lines:
            count, sep, line = text.partition("x ")
            if sep and count.isdigit():
                counts[line] += int(count)
            else:  # not written by `summary`: kept as it is, once
                counts[text] += 1
    return summary(counts)


# The handler of the pass that is running (one pass at a time per process), for the transport to tag.
CURRENT: list[AppLog] = []


class _Answering(threading.local):
    """The request the current thread is answering, and what it wrote so far without a newline."""

    def __init__(self) -> None:
        self.active = False
        self.case_id: str | None = None
        self.partial: dict[str, str] = {}


_ANSWERING = _Answering()


class AppOutput:
    """Stands in for sys.stdout or sys.stderr: a thread answering a request writes to the report, any other
    (the gate's progress) to the stream it replaced."""

    def __init__(self, name: str, real: TextIO) -> None:
        self.name = name
        self.real = real

    def write(self, text: str) -> int:
        if not _ANSWERING.active or not CURRENT:
            return self.real.write(text)
        pending = _ANSWERING.partial.get(self.name, "") + text
        *lines, rest = pending.split("\n")
        _ANSWERING.partial[self.name] = rest
        for line in lines:
            CURRENT[-1].output(self.name, line.rstrip("\r"), _ANSWERING.case_id)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not _ANSWERING.active:
            self.real.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno...: the real stream's
        return getattr(self.real, name)


@contextmanager
def answering(case_id: str | None) -> Iterator[None]:
    """The current thread answers a request (of `case_id`; None: the auth hook's own) for the duration."""
    outer = (_ANSWERING.active, _ANSWERING.case_id)
    _ANSWERING.active, _ANSWERING.case_id = True, case_id
    if case_id is not None:
        tag(case_id)
    try:
        yield
    finally:
        for name, rest in _ANSWERING.partial.items():
            if rest and CURRENT:
                CURRENT[-1].output(name, rest, _ANSWERING.case_id)
        _ANSWERING.partial.clear()
        _ANSWERING.active, _ANSWERING.case_id = outer
        if case_id is not None:
            tag(None)


@contextmanager
def captured() -> Iterator[AppLog]:
    """Replace every logger's handlers with one AppLog, and sys.stdout/stderr with AppOutputs, for the
    duration; restore them afterwards."""
    handler = AppLog()
    loggers = [logging.getLogger()] + [
        logger
        for logger in list(logging.Logger.manager.loggerDict.values())
        if isinstance(logger, logging.Logger) and logger.handlers
    ]
    saved = {logger: list(logger.handlers) for logger in loggers}
    for logger in loggers:
        logger.handlers = [handler]
    CURRENT.append(handler)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = AppOutput("stdout", sys.stdout), AppOutput("stderr", sys.stderr)
    try:
        yield handler
    finally:
        sys.stdout, sys.stderr = streams
        CURRENT.remove(handler)
        for logger, handlers in saved.items():
            logger.handlers = handlers


def tag(case_id: str | None) -> None:
    """The case whose request is being sent now (None: between requests)."""
    if CURRENT:
        CURRENT[-1].current_case = case_id
