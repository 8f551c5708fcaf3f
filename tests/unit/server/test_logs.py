"""spi_server.logs: JSON lines, written directly or through the logging module, the same."""

from __future__ import annotations

import asyncio
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


HUGE = "A" * 4 * 2**20


def test_a_huge_caller_string_leaves_a_short_line(stream: io.StringIO) -> None:
    logs.event("call", logging.INFO, method="Score", ruleset=HUGE, caller="planner")
    line = stream.getvalue()
    assert len(line.encode()) <= logs.MAX_FIELD_CHARS + 200
    fields = json.loads(line)
    assert (fields["method"], fields["caller"]) == ("Score", "planner")
    assert fields["ruleset"].startswith("A" * 100)
    assert f"({len(HUGE)} characters, sha256 " in fields["ruleset"]


@pytest.mark.parametrize("exc_info", [False, True])
def test_no_line_is_longer_than_the_maximum(stream: io.StringIO, exc_info: bool) -> None:
    many = {f"field_{i}": "é" * 1000 for i in range(40)}
    nested = {"kept": [HUGE, HUGE], "by_name": {HUGE: HUGE}}
    try:
        raise ValueError(HUGE)
    except ValueError:
        logs.event("noisy", logging.ERROR, exc_info=exc_info, **many, **nested)
    (line,) = stream.getvalue().splitlines()
    assert len(line.encode()) <= logs.MAX_LINE_BYTES
    fields = json.loads(line)
    assert (fields["level"], fields["event"]) == ("ERROR", "noisy")
    assert "traceback" in fields if exc_info else "traceback" not in fields


def test_even_a_line_of_countless_fields_is_bounded(stream: io.StringIO) -> None:
    logs.event("crowded", logging.INFO, **{f"f{i}": "x" * 900 for i in range(500)})
    line = json.loads(stream.getvalue())
    assert len(stream.getvalue().encode()) <= logs.MAX_LINE_BYTES + 1
    assert line["event"] == "crowded"
    assert line["fields_left_out"] > 0


def test_info_lines_logged_on_the_event_loop_are_written_together_a_moment_later(
    stream: io.StringIO,
) -> None:
    async def calls() -> list[str]:
        for number in range(3):
            logs.event("call", logging.INFO, number=number)
        seen = [stream.getvalue()]
        await asyncio.sleep(2 * logs.FLUSH_SECONDS)  # a timer due after the flush's
        seen.append(stream.getvalue())
        return seen

    before, after = asyncio.run(calls())
    assert before == ""
    assert [json.loads(line)["number"] for line in after.splitlines()] == [0, 1, 2]


def test_a_warning_on_the_loop_writes_the_lines_waiting_and_itself_at_once(
    stream: io.StringIO,
) -> None:
    async def calls() -> str:
        logs.event("call", logging.INFO, number=0)
        logs.event("call", logging.WARNING, number=1, code="INTERNAL")
        return stream.getvalue()

    written = asyncio.run(calls())
    assert [json.loads(line)["number"] for line in written.splitlines()] == [0, 1]


def test_a_line_logged_off_the_loop_comes_after_the_lines_buffered_on_it(
    stream: io.StringIO,
) -> None:
    async def calls() -> str:
        logs.event("call", logging.INFO, number=0)
        await asyncio.to_thread(logs.event, "elsewhere", logging.WARNING, number=1)
        return stream.getvalue()  # the thread's line wrote the buffer before itself

    written = asyncio.run(calls())
    assert [json.loads(line)["number"] for line in written.splitlines()] == [0, 1]


def test_flush_writes_what_is_buffered_and_a_full_buffer_writes_itself(
    stream: io.StringIO,
) -> None:
    async def calls() -> tuple[str, int]:
        logs.event("call", logging.INFO, number=0)
        assert stream.getvalue() == ""
        logs.flush()
        flushed = stream.getvalue()
        big = "x" * 1000
        count = 0
        while stream.getvalue() == flushed:  # no loop turn in between: the size bound writes
            logs.event("call", logging.INFO, pad=big)
            count += 1
        return flushed, count

    flushed, count = asyncio.run(calls())
    assert json.loads(flushed)["number"] == 0
    assert count * 1000 <= logs.BUFFER_CHARS + 1000


CALL = ("Score", "grpc", 'plänner "q"', "OK", 0.123, 1, "spi-2024", "6f1c1f0e", "")


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING])
@pytest.mark.parametrize(
    "values",
    [CALL, (*CALL[:6], "x" * 2000, *CALL[7:]), (*CALL[:8], "line\nbreak ✓ \ud800")],
    ids=["short", "long ruleset", "odd message"],
)
def test_an_access_line_is_the_line_event_writes(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch, level: int, values: tuple[Any, ...]
) -> None:
    monkeypatch.setattr(time, "time", lambda: CREATED)
    logs.call(level, *values)
    logs.event("call", level, **dict(zip(logs.CALL_FIELDS, values, strict=True)))
    template, generic = stream.getvalue().splitlines()
    assert template == generic
    assert json.loads(template)["caller"] == 'plänner "q"'
