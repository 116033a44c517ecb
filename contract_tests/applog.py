"""The app's own log records during a run: kept for the report, tied to the request that logged them.

An app under test logs its errors (Flask: "Exception on /path [GET]" with a traceback) to the console,
where they interleave with the gate's progress and are lost to CI summaries. While a pass runs, every
handler is set aside and one capturing handler takes their place; the transport tells it which case
is being sent, so a failure can show what the app logged while answering it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

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

    def lines_for(self, case_id: str) -> list[str]:
        return self.by_case.get(case_id, [])[-LINES_PER_REQUEST:]


def summary(counts: dict[str, int]) -> list[str]:
    """The distinct warning-or-worse lines, most frequent first, each with its count."""
    return [f"{count}x {line}" for line, count in Counter(counts).most_common(DISTINCT_LINES)]


# The handler of the pass that is running (one pass at a time per process), for the transport to tag.
CURRENT: list[AppLog] = []


@contextmanager
def captured() -> Iterator[AppLog]:
    """Replace every logger's handlers with one AppLog for the duration; restore them afterwards."""
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
    try:
        yield handler
    finally:
        CURRENT.remove(handler)
        for logger, handlers in saved.items():
            logger.handlers = handlers


def tag(case_id: str | None) -> None:
    """The case whose request is being sent now (None: between requests)."""
    if CURRENT:
        CURRENT[-1].current_case = case_id
