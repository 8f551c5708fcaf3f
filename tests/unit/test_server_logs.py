"""spi_server.logs: JSON lines, written directly or through the logging module, the same."""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from spi_server import logs

FIELDS: dict[str, Any] = {
    "method": "Score",
    "caller": "planner",
    "code": "OK",
    "ms": 0.123,
    "units": 1,
    "ruleset": "spi-2024",
    "decision_id": "6f1c1f0e-8a8e-4a57-9a53-1f3b1d7c1e11",
    "message": "",
    "path": "ünïcode/✓",
    "odd": object,
}
CREATED = 1_767_225_600.1239  # 2026-01-01T00:00:00.123Z


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    saved = logs.LOGGER.handlers[:], logs.LOGGER.level, logs.LOGGER.propagate
    text = io.StringIO()
    logs.configure("INFO", text)
    yield text
    logs.LOGGER.handlers[:], logs.LOGGER.propagate = saved[0], saved[2]
    logs.LOGGER.setLevel(saved[1])


def formatter_line(level: int, name: str, fields: dict[str, Any]) -> str:
    """The line the logging module's path writes for this event."""
    record = logs.LOGGER.makeRecord(logs.LOGGER.name, level, "", 0, name, (), None)
    record.fields = fields
    record.created, record.process = CREATED, os.getpid()
    return logs.JsonFormatter().format(record) + "\n"


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_a_direct_event_is_the_line_the_formatter_writes(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch, level: int
) -> None:
    monkeypatch.setattr(time, "time", lambda: CREATED)
    logs.event("call", level, **FIELDS)
    assert stream.getvalue() == formatter_line(level, "call", FIELDS)
    line = json.loads(stream.getvalue())
    assert list(line)[:4] == ["time", "level", "pid", "event"]
    assert (line["time"], line["level"], line["event"]) == (
        "2026-01-01T00:00:00.123Z",
        logging.getLevelName(level),
        "call",
    )
    assert (line["path"], line["odd"]) == ("ünïcode/✓", str(object))


def test_events_below_the_level_are_skipped(stream: io.StringIO) -> None:
    logs.event("noise", logging.DEBUG, detail=1)
    assert stream.getvalue() == ""


def test_a_traceback_goes_through_the_formatter(stream: io.StringIO) -> None:
    try:
        raise KeyError("lost")
    except KeyError:
        logs.event("failed", logging.ERROR, exc_info=True, step="load")
    line = json.loads(stream.getvalue())
    assert (line["event"], line["step"]) == ("failed", "load")
    assert "KeyError: 'lost'" in line["traceback"]


def test_another_handler_or_a_filter_gets_every_record(stream: io.StringIO) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logs.LOGGER.addHandler(Keep())
    logs.event("call", logging.INFO, caller="planner")
    assert [r.fields["caller"] for r in records] == ["planner"]  # type: ignore[attr-defined]
    assert json.loads(stream.getvalue())["caller"] == "planner"
    logs.LOGGER.handlers[1:] = []
    logs.LOGGER.addFilter(lambda record: record.getMessage() != "hidden")
    try:
        logs.event("hidden", logging.INFO)
        logs.event("shown", logging.INFO)
    finally:
        logs.LOGGER.filters.clear()
    events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert events == ["call", "shown"]


def test_a_failing_stream_does_not_fail_the_caller(
    stream: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    stream.close()
    logs.event("call", logging.INFO, caller="planner")
    assert "Logging error" in capsys.readouterr().err
