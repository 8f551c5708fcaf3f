"""Structured logs: one JSON object per line on stderr.

Every line has ``time``, ``level``, ``pid``, ``event`` and the fields given to :func:`event`; an
error logged with ``exc_info`` adds ``traceback``. Nothing else in the server formats log text.

An event without a traceback, logged while the server's own handler (:func:`configure`) is the
logger's only way out, is written by that handler directly: the same line, without a LogRecord
and the logging module's dispatch, which cost the access log about as much as scoring a unit.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any

LOGGER = logging.getLogger("spi_server")
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)


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

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())

    def write_event(self, level: int, name: str, fields: dict[str, Any]) -> None:
        """Write the line :class:`JsonFormatter` would write for this event, now."""
        try:
            line = _line(time.time(), logging.getLevelName(level), os.getpid(), name, fields)
            text = _ENCODER.encode(line)
            with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
                self.stream.write(text + self.terminator)
                self.flush()
        except Exception:
            self.handleError(logging.makeLogRecord({"msg": name, "levelno": level}))


def configure(level: str = "INFO", stream: Any = None) -> None:
    """Send the server's logs to ``stream`` (stderr) as JSON lines, replacing earlier handlers."""
    LOGGER.handlers[:] = [JsonLinesHandler(stream or sys.stderr)]
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False


def event(name: str, level: int = logging.INFO, exc_info: bool = False, **fields: Any) -> None:
    """Log the event ``name`` with its fields (skipped cheaply when the level is off)."""
    if not LOGGER.isEnabledFor(level):
        return
    handler = _direct_handler(level) if not exc_info else None
    if handler is not None:
        handler.write_event(level, name, fields)
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
