"""Structured logs: one JSON object per line on stderr.

Every line has ``time``, ``level``, ``event`` and the fields given to :func:`event`; an error
logged with ``exc_info`` adds ``traceback``. Nothing else in the server formats log text.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

LOGGER = logging.getLogger("spi_server")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; fields come from ``record.fields``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "pid": record.process,
            "event": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(level: str = "INFO", stream: Any = None) -> None:
    """Send the server's logs to ``stream`` (stderr) as JSON lines, replacing earlier handlers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False


def event(name: str, level: int = logging.INFO, exc_info: bool = False, **fields: Any) -> None:
    """Log the event ``name`` with its fields (skipped cheaply when the level is off)."""
    if LOGGER.isEnabledFor(level):
        LOGGER.log(level, name, exc_info=exc_info, extra={"fields": fields})
