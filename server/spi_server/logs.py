"""Structured logs: one JSON object per line on stderr.

Every line has ``time``, ``level``, ``pid``, ``event`` and the fields given to :func:`event`; an
error logged with ``exc_info`` adds ``traceback``. Nothing else in the server formats log text.

An event without a traceback, logged while the server's own handler (:func:`configure`) is the
logger's only way out, is written by that handler directly: the same line, without a LogRecord
and the logging module's dispatch, which cost the access log about as much as scoring a unit.

With ``configure(batch_seconds=...)`` (the server: :data:`BATCH_SECONDS`), events logged with
``batched=True`` (the access log's successful calls) are kept and written together, at most
``batch_seconds`` later, by a background thread, or before any other event (so the order of
lines is kept), or when 256 are waiting: one write of many lines instead of one per call.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from typing import Any

LOGGER = logging.getLogger("spi_server")
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)
BATCH_SECONDS = 0.05
"""how long the server keeps a batched access-log line at most before writing it"""
BATCH_LINES = 256


def _line(
    created: float, level: str, pid: int | None, event: str, fields: dict[str, Any]
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "time": datetime.fromtimestamp(created, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": level,
        "pid": pid,
        "event": event,
    }
    line.update(fields)
    return line


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; fields come from ``record.fields``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        line = _line(record.created, record.levelname, record.process, record.getMessage(), fields)
        if record.exc_info and record.exc_info[0] is not None:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return _ENCODER.encode(line)


class JsonLinesHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic in typeshed only
    """A stream handler with :class:`JsonFormatter` that also takes plain events directly."""

    def __init__(self, stream: Any, batch_seconds: float = 0.0) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())
        self.batch_seconds = batch_seconds
        self._pending: list[str] = []

    def write_event(
        self, level: int, name: str, fields: dict[str, Any], batched: bool = False
    ) -> None:
        """Write the line :class:`JsonFormatter` would write for this event, now (``batched``:
        within ``batch_seconds``, with others)."""
        try:
            line = _line(time.time(), logging.getLevelName(level), os.getpid(), name, fields)
            text = _ENCODER.encode(line) + self.terminator
            with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
                if batched and self.batch_seconds > 0:
                    self._pending.append(text)
                    if len(self._pending) >= BATCH_LINES:
                        self._write_pending()
                    return
                self._write_pending()
                self.stream.write(text)
                self.stream.flush()
        except Exception:
            self.handleError(logging.makeLogRecord({"msg": name, "levelno": level}))

    def flush(self) -> None:
        """Write the batched lines, then flush the stream."""
        with self.lock:  # type: ignore[union-attr]
            self._write_pending()
        super().flush()

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_pending()
        super().emit(record)

    def _write_pending(self) -> None:
        """Write the batched lines in one call (the lock held)."""
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            self.stream.write(text)
            self.stream.flush()


def _flusher(handler: JsonLinesHandler) -> None:
    while True:
        time.sleep(handler.batch_seconds)
        handler.flush()


def configure(level: str = "INFO", stream: Any = None, batch_seconds: float = 0.0) -> None:
    """Send the server's logs to ``stream`` (stderr) as JSON lines, replacing earlier handlers;
    ``batch_seconds`` > 0: batched events wait at most that long (see the module docstring)."""
    handler = JsonLinesHandler(stream or sys.stderr, batch_seconds)
    if batch_seconds > 0:
        threading.Thread(target=_flusher, args=(handler,), name="log-flush", daemon=True).start()
        atexit.register(handler.flush)
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False


def event(
    name: str,
    level: int = logging.INFO,
    exc_info: bool = False,
    batched: bool = False,
    **fields: Any,
) -> None:
    """Log the event ``name`` with its fields (skipped cheaply when the level is off);
    ``batched``: it may wait to be written with others (see the module docstring)."""
    if not LOGGER.isEnabledFor(level):
        return
    handler = _direct_handler(level) if not exc_info else None
    if handler is not None:
        handler.write_event(level, name, fields, batched)
    else:
        LOGGER.log(level, name, exc_info=exc_info, extra={"fields": fields})


def _direct_handler(level: int) -> JsonLinesHandler | None:
    """The handler that alone would write an event at ``level``, if it can take it directly."""
    handlers = LOGGER.handlers
    if len(handlers) != 1 or LOGGER.propagate or LOGGER.filters or LOGGER.disabled:
        return None
    handler = handlers[0]
    if type(handler) is not JsonLinesHandler or handler.filters or level < handler.level:
        return None
    return handler
