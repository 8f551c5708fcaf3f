"""Limits, deadlines and unexpected exceptions, on servers in this process."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest

from spi.v1 import engine_pb2, scoring_pb2
from spi_client import SpiClient, SpiRpcError
from spi_engine.api import scoring as api_scoring
from spi_server import app, service

pytestmark = pytest.mark.integration

UNIT = {"internal": 75.61, "external": 89.02, "expert": 73.53, "correction": 7.59}


def test_units_per_request_limit(start_inprocess: Callable[..., app.Server]) -> None:
    running = start_inprocess(max_units=3)
    with SpiClient(running.target) as client:
        assert len(client.score_many("spi-2024", [UNIT] * 3)) == 3
        with pytest.raises(SpiRpcError) as raised:
            client.score_many("spi-2024", [UNIT] * 4)
    assert raised.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert raised.value.message == "units per request: at most 3 allowed; got 4"


def test_message_size_limit(start_inprocess: Callable[..., app.Server]) -> None:
    running = start_inprocess(max_message_bytes=2_000)
    with SpiClient(running.target) as client:
        with pytest.raises(SpiRpcError) as raised:
            client.score_many("spi-2024", [UNIT] * 100)
        assert raised.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "2000" in raised.value.message
        assert len(client.score_many("spi-2024", [UNIT] * 10)) == 10


def test_an_unexpected_exception_is_internal_logged_and_the_server_goes_on(
    start_inprocess: Callable[..., app.Server],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = start_inprocess()

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("secret detail")

    with SpiClient(running.target) as client:
        monkeypatch.setattr(api_scoring, "score_units", broken)
        with (
            caplog.at_level(logging.INFO, logger="spi_server"),
            pytest.raises(SpiRpcError) as raised,
        ):
            client.score("spi-2024", **UNIT)  # type: ignore[arg-type]
        assert raised.value.code == grpc.StatusCode.INTERNAL
        assert "secret" not in raised.value.message
        monkeypatch.undo()
        assert client.score("spi-2024", **UNIT)[0].index == 71.66  # type: ignore[arg-type]
    (record,) = [r for r in caplog.records if r.getMessage() == "internal_error"]
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError
    assert record.fields["reference"] in raised.value.message  # type: ignore[attr-defined]


def test_work_stops_when_the_deadline_has_passed(
    start_inprocess: Callable[..., app.Server], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Deterministic: the conversion is held until the caller's deadline has passed, then the
    work must stop at its next check (nothing scored) and the decision says DEADLINE_EXCEEDED."""
    log = tmp_path / "decisions.jsonl"
    running = start_inprocess(decision_log=str(log), max_units=10**6, max_message_bytes=2**26)
    entered, release = threading.Event(), threading.Event()
    scored: list[int] = []
    real_convert, real_score = api_scoring.units_from_pb, api_scoring.score_units

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real_convert(*args, **kwargs)

    def counted(*args: Any, **kwargs: Any) -> Any:
        scored.append(1)
        return real_score(*args, **kwargs)

    monkeypatch.setattr(api_scoring, "units_from_pb", held)
    monkeypatch.setattr(api_scoring, "score_units", counted)
    unit = scoring_pb2.UnitInput(**UNIT)  # type: ignore[arg-type]
    request = engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=[unit] * 100_000)
    with SpiClient(running.target, retries=0) as client, pytest.raises(SpiRpcError) as raised:
        client.rpc("Score", request, timeout=5)
    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert entered.is_set(), "the call never reached the server"
    release.set()
    assert running.gate.wait_idle(30)
    assert running.pipeline is not None
    running.pipeline.close(wait=True)  # the released worker runs on to its next check, and stops
    deadline = time.monotonic() + 30
    while not log.exists() or not log.read_text():
        assert time.monotonic() < deadline, "the server never recorded the call"
        time.sleep(0.05)
    line = json.loads(log.read_text().splitlines()[-1])
    assert (line["status"], line["units"], line["response_sha256"]) == (
        "DEADLINE_EXCEEDED",
        100_000,
        None,
    )
    assert scored == []


def test_concurrent_calls_limit(
    start_inprocess: Callable[..., app.Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The held Score below is no longer bounded by its request bytes: it runs in a worker.
    monkeypatch.setattr(service, "INLINE_BYTES", {})
    running = start_inprocess(max_concurrent_rpcs=1)
    entered, release = threading.Event(), threading.Event()
    real_score = api_scoring.score_units

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real_score(*args, **kwargs)

    monkeypatch.setattr(api_scoring, "score_units", held)
    with SpiClient(running.target, retries=0) as client, futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.score, "spi-2024", **UNIT)
        assert entered.wait(30)
        with pytest.raises(SpiRpcError) as raised:
            client.score("spi-2024", **UNIT)  # type: ignore[arg-type]
        release.set()
        assert first.result(30)[0].index == 71.66
    assert raised.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
