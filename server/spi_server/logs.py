"""Structured logs: one JSON object per line on stderr.

Every line has ``time``, ``level``, ``pid``, ``event`` and the fields given to :func:`event`; an
error logged with ``exc_info`` adds ``traceback``. Nothing else in the server formats log text.

**Bounded lines.** A log line never grows with what a caller sends: each string in it (also
inside lists and dicts) is at most MAX_FIELD_CHARS characters (a ``traceback`` at most
MAX_TRACEBACK_CHARS), a longer one shown by :func:`spi_engine.errors.shown` (a readable prefix,
its length and its sha256); and a whole line is at most MAX_LINE_BYTES bytes of UTF-8 plus its
newline: when the fields still add up to more, the longest are shown by a short prefix, length
and sha256 until it fits (:func:`bounded_json`, which the decision log uses too).

An event without a traceback, logged while the server's own handler (:func:`configure`) is the
logger's only way out, is written by that handler directly: the same line, without a LogRecord
and the logging module's dispatch, which cost the access log about as much as scoring a unit.

**INFO lines logged on the event loop are written in batches.** The handler appends such a
line (an access line, mostly) to a buffer and writes the buffer in one write at the first loop
turn FLUSH_SECONDS later, or at once when it holds BUFFER_CHARS characters. A WARNING or worse,
and any line logged on another thread, writes the buffer and itself at once, so lines stay in
the order they were logged. (One write per call cost more than the line: the write lets go of
the GIL, and the loop must win it back from gRPC's poller thread.) :func:`flush` writes what is
buffered; the server calls it when it reloads (SIGHUP) and when it stops, and the logging module
at exit. A process that crashes loses at most the INFO lines of its last FLUSH_SECONDS; the
decision log is not buffered this way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from spi_engine.errors import SHOWN_PREFIX, shown

LOGGER = logging.getLogger("spi_server")
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False, check_circular=False)
"""(the fields logged are the server's own values: no structure of them refers to itself)"""

MAX_FIELD_CHARS = 1024
"""Longest string in a log line (or a decision line) shown whole."""
MAX_TRACEBACK_CHARS = 8192
"""Longest ``traceback`` shown whole."""
MAX_LINE_BYTES = 16384
"""Longest log line (or decision line), in UTF-8 bytes without its newline."""
_LIMITS = {"traceback": MAX_TRACEBACK_CHARS}
BUFFER_CHARS = 65536
"""Lines buffered on the event loop are written at once when they reach this many characters."""
FLUSH_SECONDS = 0.01
"""Lines buffered on the event loop are written at most this long after the first of them."""
_PID = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))


def bounded_json(
    line: dict[str, Any], encoder: json.JSONEncoder = _ENCODER, keep: tuple[str, ...] = ()
) -> str:
    """``line`` as JSON, bounded as the module docstring says; the fields ``keep`` stay whole.

    Those are short by construction (the time, an event name); every other field may be shown
    shorter, or, when even that does not fit, left out, and ``fields_left_out`` counts them.
    """
    text = encoder.encode(line)
    if len(text) <= MAX_FIELD_CHARS:
        return text  # no string in it can be longer than the line
    bounded = {
        key: _bounded(value, _LIMITS.get(key, MAX_FIELD_CHARS)) for key, value in line.items()
    }
    text = encoder.encode(bounded)
    sizes = {key: len(encoder.encode(value)) for key, value in bounded.items() if key not in keep}
    longest_first = sorted(sizes, key=sizes.__getitem__, reverse=True)
    for key in longest_first:
        if _fits(text):
            return text
        value = line[key]
        whole = value if isinstance(value, str) else encoder.encode(value)
        bounded[key] = shown(whole, SHOWN_PREFIX, quote=False)
        text = encoder.encode(bounded)
    droppable = [key for key in reversed(line) if key not in keep]
    for left_out, key in enumerate(droppable, start=1):
        if _fits(text):
            break
        del bounded[key]
        bounded["fields_left_out"] = left_out
        text = encoder.encode(bounded)
    return text


def _fits(text: str) -> bool:
    """True when ``text`` is at most MAX_LINE_BYTES bytes of UTF-8 (at most 4 bytes a character)."""
    if len(text) <= MAX_LINE_BYTES // 4:
        return True
    return len(text.encode("utf-8", "surrogatepass")) <= MAX_LINE_BYTES


def _bounded(value: Any, limit: int) -> Any:
    """``value`` with each string in it at most ``limit`` characters (see :func:`shown`)."""
    if isinstance(value, str):
        return shown(value, limit, quote=False)
    if isinstance(value, list | tuple):
        return [_bounded(item, limit) for item in value]
    if isinstance(value, dict):
        return {
            shown(str(key), limit, quote=False): _bounded(item, limit)
            for key, item in value.items()
        }
    return value


def _line(
    created: float, level: str, pid: int | None, event: str, fields: dict[str, Any]
) -> dict[str, Any]:
    line: dict[str, Any] = {"time": _stamp(created), "level": level, "pid": pid, "event": event}
    line.update(fields)
    return line


def _short_line(created: float, level: str, event: str, fields: dict[str, Any]) -> str | None:
    """The JSON line of :func:`_line`, when it is short (no bounding needed) and no field is
    named as a head field: its head written directly, its fields encoded alone."""
    if not fields or not _HEAD_SET.isdisjoint(fields):
        return None
    head = (
        f'{{"time": "{_stamp(created)}", "level": "{level}", "pid": {_PID[0]}, '
        f'"event": {_ENCODER.encode(event)}, '
    )
    text = head + _ENCODER.encode(fields)[1:]
    return text if len(text) <= MAX_FIELD_CHARS else None


_SECOND: list[Any] = [None, ""]
"""the last whole second stamped and its text up to the seconds (one stamp a second is built)"""


def _stamp(created: float) -> str:
    """``created`` as UTC ISO 8601 to the millisecond (truncated), e.g. 2026-01-01T00:00:00.123Z."""
    micros = round(created * 1_000_000)  # as datetime.fromtimestamp rounds it
    second, micro = divmod(micros, 1_000_000)
    if _SECOND[0] != second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _SECOND[:] = [second, text]
    return f"{_SECOND[1]}.{micro // 1000:03d}Z"


_HEAD = ("time", "level", "pid", "event")
_HEAD_SET = frozenset(_HEAD)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; fields come from ``record.fields``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        line = _line(record.created, record.levelname, record.process, record.getMessage(), fields)
        if record.exc_info and record.exc_info[0] is not None:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return bounded_json(line, keep=_HEAD)


class JsonLinesHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic in typeshed only
    """A stream handler with :class:`JsonFormatter` that also takes plain events directly, and
    buffers the lines logged on an event loop for one loop turn (see the module docstring)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())
        self._pending: list[str] = []
        self._pending_chars = 0
        self._scheduled = False

    def write_event(self, level: int, name: str, fields: dict[str, Any]) -> None:
        """Write the line :class:`JsonFormatter` would write for this event."""
        try:
            created, level_name = time.time(), logging.getLevelName(level)
            text = _short_line(created, level_name, name, fields)
            if text is None:
                line = _line(created, level_name, _PID[0], name, fields)
                text = bounded_json(line, keep=_HEAD)
            self.write_line(text, level >= logging.WARNING)
        except Exception:
            self.handleError(logging.makeLogRecord({"msg": name, "levelno": level}))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write_line(self.format(record), record.levelno >= logging.WARNING)
        except Exception:
            self.handleError(record)

    def write_line(self, text: str, urgent: bool = False) -> None:
        """``text`` and a newline, after the lines waiting: now when ``urgent`` or not called on
        an event loop, else within FLUSH_SECONDS (at once when BUFFER_CHARS are waiting)."""
        loop = None if urgent else asyncio.events._get_running_loop()
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._pending.append(text + self.terminator)
            self._pending_chars += len(text) + 1
            if loop is None or self._pending_chars >= BUFFER_CHARS:
                self._write_pending()
            elif not self._scheduled:
                self._scheduled = True
                loop.call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        """Write the lines waiting, then flush the stream."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._write_pending()

    def _write_pending(self) -> None:
        self._scheduled = False
        if self._pending:
            text, self._pending, self._pending_chars = "".join(self._pending), [], 0
            self.stream.write(text)
        if self.stream and hasattr(self.stream, "flush"):
            self.stream.flush()


def configure(level: str = "INFO", stream: Any = None) -> None:
    """Send the server's logs to ``stream`` (stderr) as JSON lines, replacing earlier handlers
    (their buffered lines written first)."""
    flush()
    LOGGER.handlers[:] = [JsonLinesHandler(stream or sys.stderr)]
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False


CALL_FIELDS = (
    "method",
    "door",
    "caller",
    "code",
    "ms",
    "units",
    "ruleset",
    "decision_id",
    "message",
)
"""The fields of an access line (event "call"), in their order."""
_CALL_LINE = (
    '{"time": "%s", "level": "%s", "pid": %d, "event": "call", "method": %s, "door": %s, '
    '"caller": %s, "code": %s, "ms": %r, "units": %d, "ruleset": %s, "decision_id": %s, '
    '"message": %s}'
)
_quoted = json.encoder.encode_basestring  # as _ENCODER writes a str (ensure_ascii=False)


def call(
    level: int,
    method: str,
    door: str,
    caller: str,
    code: str,
    ms: float,
    units: int,
    ruleset: str,
    decision_id: str,
    message: str,
) -> None:
    """Log an access line: ``event("call", level, ...)`` with the fields of CALL_FIELDS, the
    same line, built from a template when the server's own handler writes it and it is short
    (each call writes one, so its cost counts)."""
    if not LOGGER.isEnabledFor(level):
        return
    handler = _direct_handler(level)
    text = None
    if handler is not None and type(ms) is float and type(units) is int:
        created = time.time()
        text = _CALL_LINE % (
            _stamp(created),
            logging.getLevelName(level),
            _PID[0],
            _quoted(method),
            _quoted(door),
            _quoted(caller),
            _quoted(code),
            ms,
            units,
            _quoted(ruleset),
            _quoted(decision_id),
            _quoted(message),
        )
    if handler is None or text is None or len(text) > MAX_FIELD_CHARS:
        values = (method, door, caller, code, ms, units, ruleset, decision_id, message)
        fields: dict[str, Any] = dict(zip(CALL_FIELDS, values, strict=True))
        event("call", level, **fields)
        return
    try:
        handler.write_line(text, level >= logging.WARNING)
    except Exception:
        handler.handleError(logging.makeLogRecord({"msg": "call", "levelno": level}))


def flush() -> None:
    """Write every log line still buffered (see the module docstring)."""
    for handler in LOGGER.handlers:
        handler.flush()


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
